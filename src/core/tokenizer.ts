/**
 * A word-level tokenizer built from the dataset's own captions (the CLIP text tower learns from scratch).
 * Id 0 pads, id 1 stands for words outside the vocabulary.
 */
export const PAD = 0;
export const UNK = 1;

export function words(caption: string): string[] {
  return caption
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

export class Tokenizer {
  readonly vocab: string[];
  private readonly index: Map<string, number>;

  constructor(vocab: string[]) {
    this.vocab = vocab;
    this.index = new Map(vocab.map((w, i) => [w, i]));
  }

  /** The most frequent words of the captions (ties broken alphabetically), at most maxVocab ids in all. */
  static fromCaptions(captions: readonly string[], maxVocab = 4096): Tokenizer {
    const counts = new Map<string, number>();
    for (const c of captions) for (const w of words(c)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return new Tokenizer(['<pad>', '<unk>', ...sorted.slice(0, maxVocab - 2).map(([w]) => w)]);
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Ids, cut to maxTokens; an empty caption becomes one <unk> so that pooling always has a token. */
  encodeOne(caption: string, maxTokens: number): number[] {
    const ids = words(caption)
      .slice(0, maxTokens)
      .map((w) => this.index.get(w) ?? UNK);
    return ids.length > 0 ? ids : [UNK];
  }

  /** (B, T) ids padded with PAD, row-major. */
  encode(captions: readonly string[], maxTokens: number): Int32Array {
    const out = new Int32Array(captions.length * maxTokens);
    captions.forEach((c, b) => out.set(this.encodeOne(c, maxTokens), b * maxTokens));
    return out;
  }
}
