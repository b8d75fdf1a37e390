/** Nearest neighbours by cosine similarity, and a word-overlap stand-in for text: the pure maths of "Try it". */

export interface Scored {
  index: number; // the row of the items
  score: number; // cosine similarity, in [-1, 1]
}

/**
 * The k rows of `items` (n rows of `dim` values) nearest to `query` by cosine similarity, best first (ties: lower
 * index first). Rows of zero length score 0; rows in `skip` are left out (the query itself, when it is one of them).
 */
export function cosineTopK(query: ArrayLike<number>, items: ArrayLike<number>, dim: number, k: number, skip?: ReadonlySet<number>): Scored[] {
  if (query.length !== dim) throw new Error(`the query has ${query.length} values, the items ${dim}`);
  if (items.length % dim !== 0) throw new Error(`${items.length} values are not rows of ${dim}`);
  let qn = 0;
  for (let j = 0; j < dim; j++) qn += query[j] * query[j];
  qn = Math.sqrt(qn);
  const n = items.length / dim;
  const scored: Scored[] = [];
  for (let i = 0; i < n; i++) {
    if (skip?.has(i)) continue;
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = items[i * dim + j];
      dot += v * query[j];
      norm += v * v;
    }
    const denominator = qn * Math.sqrt(norm);
    scored.push({ index: i, score: denominator > 0 ? dot / denominator : 0 });
  }
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, Math.max(0, k));
}

/** Lower-case words of two letters or more. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
}

/**
 * The k captions closest to `text` by TF-IDF cosine over their words (idf over `captions`), best first: the stand-in
 * answer to a text for a run without a text tower. Captions sharing no word with the text are left out.
 */
export function captionTopK(text: string, captions: readonly string[], k: number): Scored[] {
  const df = new Map<string, number>();
  const bags = captions.map((c) => {
    const bag = new Map<string, number>();
    for (const w of words(c)) bag.set(w, (bag.get(w) ?? 0) + 1);
    for (const w of bag.keys()) df.set(w, (df.get(w) ?? 0) + 1);
    return bag;
  });
  const idf = (w: string) => Math.log((1 + captions.length) / (1 + (df.get(w) ?? 0))) + 1;
  const q = new Map<string, number>();
  for (const w of words(text)) q.set(w, (q.get(w) ?? 0) + 1);
  let qn = 0;
  for (const [w, c] of q) qn += (c * idf(w)) ** 2;
  qn = Math.sqrt(qn);
  const scored: Scored[] = [];
  bags.forEach((bag, index) => {
    let dot = 0;
    let norm = 0;
    for (const [w, c] of bag) {
      const x = c * idf(w);
      norm += x * x;
      const y = q.get(w);
      if (y) dot += x * y * idf(w);
    }
    if (dot > 0) scored.push({ index, score: dot / (qn * Math.sqrt(norm)) });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, Math.max(0, k));
}
