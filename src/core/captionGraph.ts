import { gatherPixels, type ImageSet, setSize } from './dataset';

/**
 * A caption similarity graph G: for any batch of sample indices, the (B, B) matrix of G_ab = sim(c(a), c(b)),
 * row-major. Sources compute it on demand from per-sample vectors, so a graph over 50,000 samples costs no N² memory.
 */
export interface CaptionGraph {
  readonly kind: string; // shown to the user: what the graph is made of
  readonly size: number; // number of samples
  batch(indices: ArrayLike<number>): Float32Array;
  /** G_a· against every sample: (size). */
  row(a: number): Float32Array;
  /** The unit rows (size, dim) the graph is the Gram matrix of, where it is made of vectors (what a dataset export writes). */
  readonly vectors?: { data: Float32Array; dim: number };
  /** A label graph's similarity between classes (classes × classes, row-major), where it has one (a dataset export writes it). */
  readonly classSim?: { data: Float32Array; classes: number };
}

/** From unit vectors (N, d) row-major: G_ab = e_aᵀ e_b. */
export function embeddingGraph(kind: string, vectors: Float32Array, dim: number): CaptionGraph {
  const size = vectors.length / dim;
  return {
    kind,
    size,
    vectors: { data: vectors, dim },
    batch(indices) {
      const B = indices.length;
      const out = new Float32Array(B * B);
      for (let i = 0; i < B; i++) {
        const a = indices[i] * dim;
        out[i * B + i] = 1; // an image is its own caption's neighbour, also for a zero vector (rows are unit otherwise)
        for (let j = i + 1; j < B; j++) {
          const b = indices[j] * dim;
          let s = 0;
          for (let k = 0; k < dim; k++) s += vectors[a + k] * vectors[b + k];
          out[i * B + j] = s;
          out[j * B + i] = s;
        }
      }
      return out;
    },
    row(a) {
      const out = new Float32Array(size);
      for (let j = 0; j < size; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += vectors[a * dim + k] * vectors[j * dim + k];
        out[j] = s;
      }
      out[a] = 1;
      return out;
    },
  };
}

/** L2-normalises each row in place (zero rows stay zero); optionally subtracts the mean row first. */
export function normaliseRows(vectors: Float32Array, dim: number, centre = false): Float32Array {
  const n = vectors.length / dim;
  if (centre) {
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k] += vectors[i * dim + k] / n;
    for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) vectors[i * dim + k] -= mean[k];
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += vectors[i * dim + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) vectors[i * dim + k] *= inv;
  }
  return vectors;
}

/** Same class is 1; between classes, classSim (C, C) if given, else 0. */
export function labelGraph(labels: Int32Array, classSim?: Float32Array, numClasses = 0): CaptionGraph {
  const g = (i: number, j: number) => {
    const a = labels[i];
    const b = labels[j];
    return i === j || (a === b && a >= 0) ? 1 : classSim && a >= 0 && b >= 0 ? classSim[a * numClasses + b] : 0;
  };
  return {
    kind: classSim ? 'class labels + class-name similarity' : 'class labels',
    size: labels.length,
    ...(classSim ? { classSim: { data: classSim, classes: numClasses } } : {}),
    batch(indices) {
      const B = indices.length;
      const out = new Float32Array(B * B);
      for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) out[i * B + j] = i === j ? 1 : g(indices[i], indices[j]);
      return out;
    },
    row(a) {
      return Float32Array.from({ length: labels.length }, (_, j) => g(a, j));
    },
  };
}

/**
 * softmax(scale · values) over one row, leaving out the entry at `skip` (it gets 0), in float64; the running maximum
 * is a loop (a spread over a whole training pool overflows the stack).
 */
export function softmaxRow(values: ArrayLike<number>, scale: number, skip = -1): Float64Array {
  const out = new Float64Array(values.length);
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) if (j !== skip && values[j] * scale > max) max = values[j] * scale;
  let z = 0;
  for (let j = 0; j < values.length; j++) {
    if (j === skip) continue;
    out[j] = Math.exp(values[j] * scale - max);
    z += out[j];
  }
  for (let j = 0; j < values.length; j++) out[j] /= z;
  return out;
}

/** A sample as the target-neighbour view shows it. */
export interface Neighbour {
  index: number;
  id: string;
  caption: string;
  graph: number; // G_ab
  weight: number; // s_ab at τ_s over all other training samples
  pixels: Uint8Array; // S·S·3
}

export interface TargetNeighbours {
  anchor: Omit<Neighbour, 'graph' | 'weight'>;
  imageSize: number;
  neighbours: Neighbour[];
  entropy: number; // of the whole target distribution, in nats
  effectiveNeighbours: number; // exp(entropy)
}

/**
 * What X-Sample pulls sample `index` towards: its target row over the training pool (the softmax of its graph row at
 * τ_s, itself left out), the top k with their thumbnails, and the effective number of neighbours exp(entropy).
 */
export function targetNeighbours(set: ImageSet, graph: CaptionGraph, train: Int32Array, index: number, tauS: number, k: number): TargetNeighbours | undefined {
  if (index < 0 || index >= setSize(set)) return undefined;
  const row = graph.row(index);
  const pool = Array.from(train).filter((j) => j !== index);
  const weights = softmaxRow(Float64Array.from(pool, (j) => row[j]), 1 / tauS);
  let entropy = 0;
  for (const w of weights) if (w > 0) entropy -= w * Math.log(w);
  const order = pool.map((j, i) => [j, i] as const).sort((a, b) => weights[b[1]] - weights[a[1]]).slice(0, k);
  const px = (i: number) => gatherPixels(set, [i]);
  return {
    anchor: { index, id: set.ids[index], caption: set.captions[index], pixels: px(index) },
    imageSize: set.imageSize,
    neighbours: order.map(([j, i]) => ({ index: j, id: set.ids[j], caption: set.captions[j], graph: row[j], weight: weights[i], pixels: px(j) })),
    entropy,
    effectiveNeighbours: Math.exp(entropy),
  };
}
