import * as Comlink from 'comlink';
import type { ObjectiveName } from '../core/config';
import { type ImageSet, imageBatch } from '../core/dataset';
import { embedSet, embedTexts } from '../core/evaluate';
import { captionTopK, cosineTopK } from '../core/nearest';
import * as tf from '../core/tf';
import type { Run } from './comparison';
import { sampleSet } from './runPictures';
import type { TryAnswer, TryQuery, TryResult } from './protocol';

const OBJECTIVE_NAME: Record<ObjectiveName, string> = { clip: 'CLIP', xsample: 'X-Sample', siglip: 'SigLIP', simclr: 'SimCLR', xclip: 'X-Sample image–text' };

/**
 * "Try it": each run's embeddings of the held-out images (kept while the run stays at its step), and the nearest of
 * them to a query image or text. A run without a text tower answers a text with the stand-in, the held-out images
 * whose captions share the most words with it, and says why.
 */
export class TryIt {
  private cache = new WeakMap<Run, { step: number; embeddings: Float32Array }>();

  private async heldOutEmbeddings(run: Run, data: ImageSet, heldOut: Int32Array): Promise<Float32Array> {
    const hit = this.cache.get(run);
    if (hit && hit.step === run.trainer.step) return hit.embeddings;
    const { embeddings } = await embedSet(run.model, data, heldOut);
    this.cache.set(run, { step: run.trainer.step, embeddings });
    return embeddings;
  }

  /** Forgets every cached embedding (other data, other runs). */
  clear(): void {
    this.cache = new WeakMap();
  }

  async answer(runs: Run[], data: ImageSet, heldOut: Int32Array, query: TryQuery, k: number): Promise<TryResult> {
    const S = data.imageSize;
    if (query.kind === 'image' && query.pixels.length !== S * S * 3) throw new Error(`the query image has ${query.pixels.length} values; ${S}×${S} RGB has ${S * S * 3}`);
    if (query.kind === 'sample' && !(query.index >= 0 && query.index < data.ids.length)) throw new Error(`there is no image ${query.index} in the dataset`);
    const queryData: ImageSet | undefined =
      query.kind === 'image' ? { name: 'query', imageSize: S, pixels: query.pixels, ids: ['query'], captions: [''] } : query.kind === 'sample' ? data : undefined;
    const queryIndex = query.kind === 'sample' ? query.index : 0;
    // The query itself, when it is a held-out image, is not its own neighbour.
    const skip = query.kind === 'sample' ? new Set(Array.from(heldOut.entries()).filter(([, i]) => i === query.index).map(([r]) => r)) : undefined;
    const answers: TryAnswer[] = [];
    for (const run of runs) {
      const d = run.model.cfg.model.projDim;
      const base = { objective: run.objective, step: run.trainer.step };
      if (queryData) {
        const q = tf.tidy(() => run.model.encodeImages(imageBatch(queryData, [queryIndex])).embedding);
        const qv = (await q.data()) as Float32Array;
        q.dispose();
        const top = cosineTopK(qv, await this.heldOutEmbeddings(run, data, heldOut), d, k, skip);
        answers.push({ ...base, by: 'image', neighbours: top.map((s) => ({ sample: s.index, score: s.score })) });
      } else if (run.model.tokenizer) {
        const qv = await embedTexts(run.model, [(query as { text: string }).text]);
        const top = cosineTopK(qv, await this.heldOutEmbeddings(run, data, heldOut), d, k);
        answers.push({ ...base, by: 'text', neighbours: top.map((s) => ({ sample: s.index, score: s.score })) });
      } else {
        const captions = Array.from(heldOut, (i) => data.captions[i]);
        const top = captionTopK((query as { text: string }).text, captions, k);
        answers.push({
          ...base,
          by: 'captions',
          note: `${OBJECTIVE_NAME[run.objective]} has no text tower: it learns from pairs of images, so it cannot place a text among them. Shown instead: the held-out images whose captions share the most words with yours.`,
          neighbours: top.map((s) => ({ sample: s.index, score: s.score })),
        });
      }
    }
    // The images named, once each, and the answers pointing into them.
    const rows = [...new Set(answers.flatMap((a) => a.neighbours.map((n) => n.sample)))];
    const position = new Map(rows.map((r, p) => [r, p]));
    for (const a of answers) a.neighbours = a.neighbours.map((n) => ({ sample: position.get(n.sample)!, score: n.score }));
    const samples = sampleSet(data, Int32Array.from(rows, (r) => heldOut[r]));
    const querySet = query.kind === 'sample' ? sampleSet(data, Int32Array.of(query.index)) : undefined;
    const transfer = [samples.pixels.buffer as ArrayBuffer, ...(querySet ? [querySet.pixels.buffer as ArrayBuffer] : [])];
    return Comlink.transfer({ imageSize: S, query: querySet, answers, samples }, transfer);
  }
}
