import { AdamW } from './optimizer';
import { Params } from './params';
import { Rng } from './rng';
import * as tf from './tf';

/** What a probe answered: its accuracy, and the true and predicted class of every labelled test sample. */
export interface ProbeAnswers {
  accuracy: number;
  truth: Int32Array;
  predicted: Int32Array;
}

/**
 * A linear probe on frozen features (the paper's protocol): standardised features, multinomial logistic regression
 * with L2, trained full-batch with Adam; returns top-1 accuracy on the test features.
 */
export async function linearProbe(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  d: number,
  classes: number,
  options: { steps?: number; lr?: number; l2?: number } = {},
): Promise<number> {
  return (await linearProbeAnswers(train, trainLabels, test, testLabels, d, classes, options)).accuracy;
}

/** The linear probe of `linearProbe`, with every labelled test sample's true and predicted class (for a confusion matrix). */
export async function linearProbeAnswers(
  train: Float32Array,
  trainLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  d: number,
  classes: number,
  { steps = 150, lr = 0.05, l2 = 1e-3 } = {},
): Promise<ProbeAnswers> {
  const keepTrain = [...trainLabels.keys()].filter((i) => trainLabels[i] >= 0);
  const keepTest = [...testLabels.keys()].filter((i) => testLabels[i] >= 0);
  if (keepTrain.length === 0 || keepTest.length === 0 || classes < 2) return { accuracy: NaN, truth: new Int32Array(0), predicted: new Int32Array(0) };
  const rows = (x: Float32Array, keep: number[]) => {
    const out = new Float32Array(keep.length * d);
    keep.forEach((i, r) => out.set(x.subarray(i * d, (i + 1) * d), r * d));
    return out;
  };
  const params = new Params();
  const rng = new Rng(0);
  const W = params.add('W', [d, classes], { kind: 'zeros' }, rng);
  const b = params.add('b', [classes], { kind: 'zeros' }, rng);
  const opt = new AdamW(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  try {
    const [xTrain, yTrain, xTest, mean, std] = tf.tidy(() => {
      const x = tf.tensor2d(rows(train, keepTrain), [keepTrain.length, d]);
      const { mean, variance } = tf.moments(x, 0);
      const std = tf.sqrt(tf.add(variance, 1e-6));
      const y = tf.oneHot(tf.tensor1d(keepTrain.map((i) => trainLabels[i]), 'int32'), classes);
      const xt = tf.tensor2d(rows(test, keepTest), [keepTest.length, d]);
      return [tf.div(tf.sub(x, mean), std), tf.cast(y, 'float32'), tf.div(tf.sub(xt, mean), std), mean, std];
    });
    for (let s = 0; s < steps; s++)
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const logits = tf.add(tf.matMul(xTrain, W), b);
          const ce = tf.neg(tf.mean(tf.sum(tf.mul(yTrain, tf.logSoftmax(logits)), 1)));
          return tf.add(ce, tf.mul(tf.sum(tf.square(W)), l2)) as tf.Scalar;
        }, [W, b]);
        opt.apply(new Map([['W', grads[W.name]], ['b', grads[b.name]]]), lr);
      });
    const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(xTest, W), b), 1));
    const p = await pred.data();
    tf.dispose([pred, xTrain, yTrain, xTest, mean, std]);
    const truth = Int32Array.from(keepTest, (i) => testLabels[i]);
    const predicted = Int32Array.from(p);
    let correct = 0;
    truth.forEach((t, r) => (correct += predicted[r] === t ? 1 : 0));
    return { accuracy: correct / keepTest.length, truth, predicted };
  } finally {
    params.dispose();
    opt.dispose();
  }
}
