import { words } from '../core/tokenizer';
import type { CaptionGraph } from '../core/captionGraph';

/**
 * A lexical caption graph that needs no model: cosine similarity of TF-IDF word vectors (smoothed idf, as
 * scikit-learn's default), kept sparse.
 */
export function tfidfGraph(captions: readonly string[]): CaptionGraph {
  const docs = captions.map((c) => words(c));
  const df = new Map<string, number>();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const n = docs.length;
  const vectors = docs.map((d) => {
    const tf = new Map<string, number>();
    for (const w of d) tf.set(w, (tf.get(w) ?? 0) + 1);
    const v = new Map<string, number>();
    let norm = 0;
    for (const [w, c] of tf) {
      const x = c * (Math.log((1 + n) / (1 + (df.get(w) ?? 0))) + 1);
      v.set(w, x);
      norm += x * x;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (const [w, x] of v) v.set(w, x * inv);
    return v;
  });
  const dot = (a: Map<string, number>, b: Map<string, number>) => {
    if (a.size > b.size) [a, b] = [b, a];
    let s = 0;
    for (const [w, x] of a) s += x * (b.get(w) ?? 0);
    return s;
  };
  return {
    kind: 'TF-IDF of caption words',
    size: n,
    batch(indices) {
      const B = indices.length;
      const out = new Float32Array(B * B);
      for (let i = 0; i < B; i++)
        for (let j = i; j < B; j++) {
          // Identical captions (and each sample with itself) are 1, even when a caption has no words.
          const s = i === j || captions[indices[i]] === captions[indices[j]] ? 1 : dot(vectors[indices[i]], vectors[indices[j]]);
          out[i * B + j] = s;
          out[j * B + i] = s;
        }
      return out;
    },
    row(a) {
      return Float32Array.from({ length: n }, (_, j) => (a === j || captions[a] === captions[j] ? 1 : dot(vectors[a], vectors[j])));
    },
  };
}
