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
}

/** From unit vectors (N, d) row-major: G_ab = e_aᵀ e_b. */
export function embeddingGraph(kind: string, vectors: Float32Array, dim: number): CaptionGraph {
  const size = vectors.length / dim;
  return {
    kind,
    size,
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
