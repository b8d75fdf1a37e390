import { createStore, getMany, setMany } from 'idb-keyval';
import type { GraphSource } from '../core/config';
import { gatherPixels, type ImageSet, setSize } from '../core/dataset';
import * as tf from '../core/tf';
import type { CaptionGraph } from '../text/captionGraph';
import { matchEmbeddings, parseEmbeddingFile, type ParsedEmbeddings } from '../text/embeddingFile';
import { parsePrecomputed, SentenceEncoder, type VectorCache, withPrecomputed } from '../text/sentenceEncoder';
import { buildGraph } from './graphBuilder';
import type { AssetUrls, BackendInfo, EventSink, TargetNeighbours } from './protocol';

/**
 * Where the worker's caption graphs come from: the frozen sentence encoder (loaded once, its vectors cached in
 * IndexedDB by caption text), the user's embeddings file, class labels or TF-IDF. Progress and fallbacks are
 * reported through the worker's events.
 */
export class CaptionGraphSource {
  private encoder?: Promise<SentenceEncoder>;
  private file?: { name: string; parsed: ParsedEmbeddings };
  private readonly cache: VectorCache | undefined = indexedDbCache();
  /** The encoder's vectors of the demo set's captions and labels, computed at install; loaded once, when first needed. */
  private precomputed?: Promise<Map<string, Float32Array>>;

  constructor(
    private readonly assets: AssetUrls,
    private readonly emit: EventSink,
  ) {}

  /** Parses an embeddings file and keeps it for graphs of the 'file' source; with a dataset, checks they match now. */
  setFile(name: string, content: ArrayBuffer, set?: ImageSet): string {
    const parsed = parseEmbeddingFile(name, content);
    if (set) matchEmbeddings(parsed, set.ids, name); // throws with the reason, so the user hears it at once
    this.file = { name, parsed };
    return `${name}: ${parsed.vectors.length / parsed.dim} vectors of ${parsed.dim} values`;
  }

  /** The caption graph of a dataset from `source`; where that source fails, TF-IDF of the captions, with a notice. */
  async build(set: ImageSet, source: GraphSource, centre: boolean, backend: BackendInfo | undefined): Promise<CaptionGraph> {
    let last: { done: number; total: number; cached: number } | undefined;
    const usesEncoder = source === 'encoder' || source === 'labels';
    const deps = {
      encoder: () => this.loadEncoder(),
      cache: usesEncoder ? withPrecomputed(await this.loadPrecomputed(), this.cache) : this.cache,
      file: this.file,
      onProgress: (p: { done: number; total: number; cached: number }) => {
        last = p;
        this.emit({ type: 'graph-progress', ...p });
      },
    };
    try {
      const graph = await this.onEncoderBackend(backend, () => buildGraph(set, source, centre, deps));
      if (last) this.emit({ type: 'notice', message: `caption graph: ${last.total} distinct texts encoded, ${last.cached} of them from the cache` });
      return graph;
    } catch (err) {
      const graph = await buildGraph(set, 'tfidf', false, deps);
      this.emit({ type: 'notice', message: `caption graph: ${err instanceof Error ? err.message : String(err)}; using TF-IDF of the captions instead` });
      return graph;
    }
  }

  /** Precomputed vectors beside the encoder's weights (`npm install` writes them); none, with a notice, if absent. */
  private loadPrecomputed(): Promise<Map<string, Float32Array>> {
    const base = this.assets.encoderModelUrl;
    this.precomputed ??= (async () => {
      try {
        const [index, rows] = await Promise.all([
          fetch(new URL('demo-captions.json', base)).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`answered ${r.status}`)))),
          fetch(new URL('demo-captions.bin', base)).then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`answered ${r.status}`)))),
        ]);
        return parsePrecomputed(index, rows);
      } catch (err) {
        this.emit({ type: 'notice', message: `precomputed caption vectors: not loaded (${err instanceof Error ? err.message : err}); captions are encoded here instead` });
        return new Map<string, Float32Array>();
      }
    })();
    return this.precomputed;
  }

  private loadEncoder(): Promise<SentenceEncoder> {
    const { encoderModelUrl, encoderVocabUrl } = this.assets;
    this.encoder ??= SentenceEncoder.load({ modelUrl: encoderModelUrl, vocabUrl: encoderVocabUrl }).catch((err) => {
      this.encoder = undefined;
      throw new Error(`the sentence encoder did not load from ${encoderModelUrl} (${err instanceof Error ? err.message : err}); \`npm install\` copies it there`);
    });
    return this.encoder;
  }

  /**
   * Runs the frozen sentence encoder on the active backend, except on a software WebGPU adapter (SwiftShader),
   * where its graph fails and WASM is faster anyway; a failure on a GPU backend is retried on WASM.
   */
  private async onEncoderBackend<T>(backend: BackendInfo | undefined, f: () => Promise<T>): Promise<T> {
    const active = tf.getBackend();
    const software = backend?.active === 'webgpu' && backend.adapter.includes('(software)');
    const onGpu = backend?.active === 'webgpu' || backend?.active === 'webgl';
    const on = async (name: string) => {
      if (name === active) return f();
      await tf.setBackend(name);
      try {
        return await f();
      } finally {
        await tf.setBackend(active);
      }
    };
    if (software || !onGpu) return on(software ? 'wasm' : active);
    try {
      return await on(active);
    } catch (err) {
      this.emit({ type: 'notice', message: `the sentence encoder failed on ${active} (${err instanceof Error ? err.message : err}); encoding on WASM` });
      this.encoder = undefined; // its weights may be lost with the device
      return on('wasm');
    }
  }
}

/**
 * What X-Sample pulls sample `index` towards: its target row over the training pool (the softmax of its graph row at
 * τ_s, itself left out), the top k with their thumbnails, and the effective number of neighbours exp(entropy).
 */
export function targetNeighbours(set: ImageSet, graph: CaptionGraph, train: Int32Array, index: number, tauS: number, k: number): TargetNeighbours | undefined {
  if (index < 0 || index >= setSize(set)) return undefined;
  const row = graph.row(index);
  const pool = Array.from(train).filter((j) => j !== index);
  const logits = pool.map((j) => row[j] / tauS);
  const max = logits.reduce((m, l) => Math.max(m, l), -Infinity); // no spread: the pool can hold 100,000 samples
  const exps = logits.map((l) => Math.exp(l - max));
  const z = exps.reduce((a, b) => a + b, 0);
  const weights = exps.map((e) => e / z);
  const entropy = -weights.reduce((acc, w) => acc + (w > 0 ? w * Math.log(w) : 0), 0);
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

/** Caption vectors kept in IndexedDB by caption text, so that a reload does not recompute them. */
function indexedDbCache(): VectorCache | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  const store = createStore('xsample-playground', 'caption-vectors');
  return {
    getMany: (keys) => getMany<Float32Array>(keys, store).catch(() => keys.map(() => undefined)),
    setMany: (entries) => setMany(entries, store).catch(() => undefined), // a full or blocked store only costs time
  };
}
