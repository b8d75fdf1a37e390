/**
 * A classifier's answers by class (the linear probe's, in evaluate.ts): the confusion matrix and each class's
 * accuracy. Plain numbers, no tensors: the page draws them without loading TensorFlow.js.
 */

/**
 * The linear probe's answers on the held-out images by class: `counts[t][p]` images of class t it called class p
 * (rows: the truth, columns: the prediction), with the class names in the order of both.
 */
export interface ProbeConfusion {
  classes: string[];
  counts: number[][];
}

/** Above this many classes the matrix is not kept (it would not be readable, and it grows with the square). */
export const MAX_CONFUSION_CLASSES = 40;

/**
 * Counts of a classifier's answers: `counts[t][p]` test samples of true class t predicted as class p (rows are the
 * truth, columns the prediction); samples whose label is negative (unlabelled) or out of range are left out.
 */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (t >= 0 && t < classes && p >= 0 && p < classes) counts[t][p] += 1;
  }
  return counts;
}

/** Each class's accuracy (the diagonal over the row's total); NaN for a class with no test sample. */
export function perClassAccuracy(counts: number[][]): number[] {
  return counts.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[i] / total;
  });
}

