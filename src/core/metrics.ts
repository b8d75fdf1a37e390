/**
 * Evaluation of frozen embeddings, DOM-free, on plain Float32Arrays of unit rows (N, d) row-major.
 * The linear probe (which trains) lives in probe.ts.
 */

export function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  const ai = i * d;
  const bj = j * d;
  for (let k = 0; k < d; k++) s += a[ai + k] * b[bj + k];
  return s;
}

/** (Na, Nb) cosine similarities of unit rows. */
export function similarities(a: Float32Array, b: Float32Array, d: number): Float32Array {
  const na = a.length / d;
  const nb = b.length / d;
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) out[i * nb + j] = dot(a, i, b, j, d);
  return out;
}

/** DINO's weighted k-NN: k = 20 neighbours, votes exp(cosine / 0.07). */
export const KNN_K = 20;
export const KNN_TEMPERATURE = 0.07;

/** Rows scaled to unit L2 norm (a copy; zero rows stay zero), for cosine similarities by dot products. */
export function unitRows(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(x);
  for (let i = 0; i < out.length; i += d) {
    let s = 0;
    for (let k = 0; k < d; k++) s += out[i + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < d; k++) out[i + k] *= inv;
  }
  return out;
}

/**
 * k-NN classification accuracy (top-1) of `test` against `train` (unit rows): each test row takes the label with the
 * largest sum of exp(sim / T) over its k nearest training rows (the weighted k-NN of DINO, k = 20, T = 0.07).
 * Rows labelled -1 are ignored.
 */
export function knnAccuracy(train: Float32Array, trainLabels: Int32Array, test: Float32Array, testLabels: Int32Array, d: number, k = KNN_K, temperature = KNN_TEMPERATURE): number {
  const nTrain = train.length / d;
  const nTest = test.length / d;
  const kk = Math.min(k, nTrain);
  let correct = 0;
  let counted = 0;
  for (let i = 0; i < nTest; i++) {
    if (testLabels[i] < 0) continue;
    const sims: { s: number; l: number }[] = [];
    for (let j = 0; j < nTrain; j++) if (trainLabels[j] >= 0) sims.push({ s: dot(test, i, train, j, d), l: trainLabels[j] });
    sims.sort((x, y) => y.s - x.s);
    const votes = new Map<number, number>();
    for (const { s, l } of sims.slice(0, kk)) votes.set(l, (votes.get(l) ?? 0) + Math.exp(s / temperature));
    let best = -1;
    let bestVote = -Infinity;
    for (const [l, v] of votes) if (v > bestVote) [best, bestVote] = [l, v];
    counted += 1;
    if (best === testLabels[i]) correct += 1;
  }
  return counted > 0 ? correct / counted : NaN;
}

export interface RetrievalMetrics {
  imageToText: { r1: number; r5: number; r10: number; meanRank: number; medianRank: number };
  textToImage: { r1: number; r5: number; r10: number; meanRank: number; medianRank: number };
}

function rankStats(ranks: number[]) {
  const n = ranks.length;
  const sorted = ranks.slice().sort((a, b) => a - b);
  const recall = (k: number) => ranks.filter((r) => r <= k).length / n;
  return {
    r1: recall(1),
    r5: recall(5),
    r10: recall(10),
    meanRank: ranks.reduce((a, b) => a + b, 0) / n,
    // open_clip: floor(median of the 0-based ranks) + 1, so an even count never gives a half rank.
    medianRank: Math.floor((n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2) - 1) + 1,
  };
}

/** Image↔text retrieval where row i of each side is a pair (open_clip's recall@K, mean and median rank, 1-based). */
export function retrieval(images: Float32Array, texts: Float32Array, d: number): RetrievalMetrics {
  const n = images.length / d;
  const sim = similarities(images, texts, d);
  const i2t: number[] = [];
  const t2i: number[] = [];
  for (let i = 0; i < n; i++) {
    const own = sim[i * n + i];
    let above = 0;
    for (let j = 0; j < n; j++) if (j !== i && sim[i * n + j] > own) above += 1;
    i2t.push(above + 1);
    let aboveT = 0;
    for (let j = 0; j < n; j++) if (j !== i && sim[j * n + i] > own) aboveT += 1;
    t2i.push(aboveT + 1);
  }
  return { imageToText: rankStats(i2t), textToImage: rankStats(t2i) };
}

/** Ranks (average ranks for ties) of a vector. */
function ranks(v: number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

/**
 * How well learned image similarities follow the caption graph: for each image, the Spearman correlation between
 * its similarities to the other images and its graph row (self excluded), averaged over images.
 * graph: (N, N) row-major caption similarities of the same images.
 */
export function graphSpearman(embeddings: Float32Array, graph: Float32Array, d: number): number {
  const n = embeddings.length / d;
  const sim = similarities(embeddings, embeddings, d);
  let total = 0;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const a: number[] = [];
    const b: number[] = [];
    for (let j = 0; j < n; j++)
      if (j !== i) {
        a.push(sim[i * n + j]);
        b.push(graph[i * n + j]);
      }
    if (a.length < 2) continue;
    total += spearman(a, b);
    rows += 1;
  }
  return rows > 0 ? total / rows : NaN;
}
