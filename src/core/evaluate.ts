import { planAugment } from './augment';
import { objectiveSpec } from './registry';
import { imageBatch, type ImageSet } from './dataset';
import { graphSpearman, knnAccuracy, retrieval, type RetrievalMetrics, unitRows } from './metrics';
import type { ContrastiveModel } from './model';
import { confusionMatrix, MAX_CONFUSION_CLASSES, type ProbeConfusion } from './confusion';
import { linearProbe, linearProbeAnswers } from './probe';
import { Rng } from './rng';
import * as tf from './tf';
import type { CaptionGraph } from './captionGraph';

/** Metrics of one run at one step, computed on the held-out split (with the training split as k-NN / probe memory). */
export interface EvalMetrics {
  step: number;
  heldOutLoss: number;
  knnTop1?: number; // with labels: weighted k-NN (k = 20, T = 0.07) on the pooled backbone features, as DINO and X-CLR
  linearProbeTop1?: number; // with labels: logistic regression on the pooled backbone features
  knnTop1Projected?: number; // with labels: the same k-NN on the projected, normalised embedding (what the loss sees)
  linearProbeTop1Projected?: number; // with labels: the same probe on the projected embedding
  probeConfusion?: ProbeConfusion; // with labels (at most MAX_CONFUSION_CLASSES): the backbone probe's answers by class
  retrieval?: RetrievalMetrics; // with a text tower
  graphSpearman: number; // learned image similarities against the caption graph
  evaluated: number; // held-out images used
}

export interface EvalLimits {
  heldOut: number; // at most this many held-out images
  memory: number; // at most this many training images as k-NN / probe memory
  graphRows: number; // at most this many images in the graph correlation
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = { heldOut: 1000, memory: 2000, graphRows: 300 };
const CHUNK = 128;

/** Unit embeddings and pooled features (no augmentation) of images at `indices`, in chunks. */
export async function embedSet(model: ContrastiveModel, set: ImageSet, indices: Int32Array): Promise<{ embeddings: Float32Array; features: Float32Array }> {
  const m = model.cfg.model;
  const embeddings = new Float32Array(indices.length * m.projDim);
  const features = new Float32Array(indices.length * m.width);
  for (let s = 0; s < indices.length; s += CHUNK) {
    const part = indices.subarray(s, s + CHUNK);
    const [e, f] = tf.tidy(() => {
      const out = model.encodeImages(imageBatch(set, part));
      return [out.embedding, out.pooled];
    });
    embeddings.set(await e.data(), s * m.projDim);
    features.set(await f.data(), s * m.width);
    tf.dispose([e, f]);
  }
  return { embeddings, features };
}

/** Caption embeddings of the text tower for `captions`, in chunks. */
export async function embedTexts(model: ContrastiveModel, captions: string[]): Promise<Float32Array> {
  const d = model.cfg.model.projDim;
  const out = new Float32Array(captions.length * d);
  for (let s = 0; s < captions.length; s += CHUNK) {
    const t = tf.tidy(() => model.embedCaptions(captions.slice(s, s + CHUNK)));
    out.set(await t.data(), s * d);
    t.dispose();
  }
  return out;
}

function firstN(a: Int32Array, n: number): Int32Array {
  return a.length <= n ? a : a.slice(0, n);
}

export async function evaluateRun(
  model: ContrastiveModel,
  set: ImageSet,
  split: { train: Int32Array; heldOut: Int32Array },
  graph: CaptionGraph,
  step: number,
  limits: EvalLimits = DEFAULT_EVAL_LIMITS,
): Promise<EvalMetrics> {
  const cfg = model.cfg;
  const heldOut = firstN(split.heldOut, limits.heldOut);
  const { embeddings, features } = await embedSet(model, set, heldOut);
  const d = cfg.model.projDim;

  // Held-out loss on one fixed batch with fixed augmentations, so that points over steps compare.
  const lossIdx = firstN(split.heldOut, Math.max(2, Math.min(cfg.batchSize, split.heldOut.length)));
  const rng = new Rng(cfg.seed + 99);
  const views = Array.from({ length: model.views }, () => planAugment(lossIdx.length, rng, cfg.augment));
  const lossT = tf.tidy(() => model.loss({ indices: lossIdx, captions: Array.from(lossIdx, (i) => set.captions[i]), images: imageBatch(set, lossIdx), views }));
  const heldOutLoss = (await lossT.data())[0];
  lossT.dispose();

  const out: EvalMetrics = { step, heldOutLoss, graphSpearman: NaN, evaluated: heldOut.length };
  const gIdx = firstN(heldOut, limits.graphRows);
  out.graphSpearman = graphSpearman(embeddings.subarray(0, gIdx.length * d), graph.batch(gIdx), d);

  if (set.labels && set.labelNames && set.labelNames.length >= 2) {
    const memory = firstN(split.train, limits.memory);
    const mem = await embedSet(model, set, memory);
    const labelsOf = (idx: Int32Array) => Int32Array.from(idx, (i) => set.labels![i]);
    const [trainLabels, testLabels, classes, w] = [labelsOf(memory), labelsOf(heldOut), set.labelNames.length, cfg.model.width];
    // By default on the backbone's pooled features (the literature's protocol; CLIP's projection is shaped for text),
    // and on the projected embedding as a second, labelled view.
    out.knnTop1 = knnAccuracy(unitRows(mem.features, w), trainLabels, unitRows(features, w), testLabels, w);
    const probe = await linearProbeAnswers(mem.features, trainLabels, features, testLabels, w, classes);
    out.linearProbeTop1 = probe.accuracy;
    if (classes <= MAX_CONFUSION_CLASSES && probe.truth.length > 0)
      out.probeConfusion = { classes: [...set.labelNames], counts: confusionMatrix(probe.truth, probe.predicted, classes) };
    out.knnTop1Projected = knnAccuracy(mem.embeddings, trainLabels, embeddings, testLabels, d);
    out.linearProbeTop1Projected = await linearProbe(mem.embeddings, trainLabels, embeddings, testLabels, d, classes);
  }
  if (objectiveSpec(cfg.objective).textTower) {
    const texts = await embedTexts(model, Array.from(heldOut, (i) => set.captions[i]));
    out.retrieval = retrieval(embeddings, texts, d);
  }
  return out;
}
