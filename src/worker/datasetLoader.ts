import { type ImageSet, setSize, splitForSet } from '../core/dataset';
import { detectSamples } from '../data/formats';
import type { LoadReport, ReportEntry } from '../data/loadReport';
import { markBidi } from '../data/validation';
import { DecodeError, decodeImage } from './imageDecoder';
import type { ColumnTable, LoadOptions, LoadProgress, SourceFile } from './protocol';
import { expandSources } from './sourceFiles';

export interface LoadResult {
  set?: ImageSet; // undefined when nothing could be used or the load was cancelled
  report: LoadReport;
  table?: ColumnTable; // a CSV / TSV whose columns the user may pick
}

const CONCURRENCY = 6;
const PROGRESS_MS = 100;

/** The smallest training split a contrastive step can use: one positive and at least one negative. */
export const MIN_TRAIN_IMAGES = 2;

/**
 * Why a loaded set cannot be trained on (undefined when it can): fewer than two images, or a training split (seeded
 * 20% held out, or the split folders) with fewer images than one contrastive step needs.
 */
export function unusableSet(set: ImageSet, heldOutFraction: number, seed: number): string | undefined {
  const n = setSize(set);
  if (n < 2) return `only ${n} image could be used; training needs at least ${MIN_TRAIN_IMAGES + 1} (${MIN_TRAIN_IMAGES} to train on, 1 held out)`;
  const { train, heldOut, by } = splitForSet(set, heldOutFraction, seed);
  if (train.length < MIN_TRAIN_IMAGES)
    return `the training split has ${train.length} image (${heldOut.length} held out, by ${by}); a contrastive step needs at least ${MIN_TRAIN_IMAGES} images to compare: add images${by === 'split folders' ? ' to the train folder' : ''}`;
  return undefined;
}

/**
 * Reads what the user gave (files, folders, zips), recognises the caption format, decodes every image at the
 * model's size and reports every file it did not use. A bad file never stops the others, and nothing here throws:
 * an unexpected failure becomes the report's one entry, with the source's name, so the report on screen is this
 * load's and never the last one's.
 */
export async function loadDataset(
  source: string,
  input: SourceFile[],
  opts: LoadOptions,
  onProgress: (p: LoadProgress) => void,
  cancelled: () => boolean,
): Promise<LoadResult> {
  const t0 = performance.now();
  try {
    return await load(source, input, opts, onProgress, cancelled, t0);
  } catch (err) {
    const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
    return {
      report: {
        source,
        format: 'none',
        formatDetail: '',
        files: input.length,
        images: 0,
        captions: 0,
        labels: 0,
        heldOutBy: 'seeded 20%',
        entries: [{ path: source, reason: `the load failed: ${message}`, action: 'skipped' }],
        cancelled: false,
        ms: performance.now() - t0,
      },
    };
  }
}

async function load(
  source: string,
  input: SourceFile[],
  opts: LoadOptions,
  onProgress: (p: LoadProgress) => void,
  cancelled: () => boolean,
  t0: number,
): Promise<LoadResult> {
  const entries: ReportEntry[] = [];
  const { files, broken } = await expandSources(input, cancelled);
  for (const b of broken) entries.push({ ...b, action: 'skipped' });
  const byPath = new Map(files.map((f) => [f.path, f]));
  const report = (over: Partial<LoadReport>): LoadReport => ({
    source,
    format: 'none',
    formatDetail: '',
    files: files.length,
    images: 0,
    captions: 0,
    labels: 0,
    heldOutBy: 'seeded 20%',
    entries,
    cancelled: false,
    ms: performance.now() - t0,
    ...over,
  });
  if (files.length === 0) {
    entries.push({
      path: source,
      reason: input.length === 0 ? 'the selection is empty: no files were chosen (an empty folder?)' : 'no files left after opening the zips',
      action: 'skipped',
    });
    return { report: report({}) };
  }
  onProgress({ phase: 'reading', done: 0, total: files.length, filesPerSec: 0, etaSec: NaN });
  const detection = await detectSamples(
    files.map((f) => ({ path: f.path, size: f.blob.size })),
    (p) => byPath.get(p)!.blob.text(),
    { classTemplate: opts.classTemplate, columns: opts.columns },
  );
  for (const e of detection.entries) entries.push(e);
  const samples = detection.samples;
  if (samples.length === 0) return { report: report({ format: detection.format, formatDetail: detection.detail }), table: detection.table };

  const S = opts.imageSize;
  const decoded: (Uint8Array | undefined)[] = new Array(samples.length);
  let next = 0;
  let done = 0;
  let lastReport = 0;
  const tDecode = performance.now();
  const worker = async () => {
    while (next < samples.length && !cancelled()) {
      const i = next++;
      const s = samples[i];
      try {
        decoded[i] = (await decodeImage(byPath.get(s.imagePath)!.blob, S)).pixels;
      } catch (err) {
        entries.push({ path: s.imagePath, reason: err instanceof DecodeError ? err.message : `cannot be decoded: ${String(err)}`, action: 'skipped' });
      }
      done += 1;
      const now = performance.now();
      if (now - lastReport > PROGRESS_MS || done === samples.length) {
        lastReport = now;
        const rate = (done * 1000) / Math.max(1, now - tDecode);
        onProgress({ phase: 'decoding', done, total: samples.length, filesPerSec: rate, etaSec: (samples.length - done) / rate });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (cancelled()) return { report: report({ format: detection.format, formatDetail: detection.detail, cancelled: true }) };

  const kept = samples.map((s, i) => ({ s, px: decoded[i] })).filter((x): x is { s: (typeof samples)[number]; px: Uint8Array } => x.px !== undefined);
  const per = S * S * 3;
  const pixels = new Uint8Array(kept.length * per);
  kept.forEach((k, i) => pixels.set(k.px, i * per));
  const labelNames = [...new Set(kept.map((k) => k.s.label).filter((l): l is string => l !== undefined))].sort();
  const labelIndex = new Map(labelNames.map((l, i) => [l, i]));
  const hasSplit = kept.some((k) => k.s.split === 'heldout') && kept.some((k) => k.s.split !== 'heldout');
  const set: ImageSet = {
    name: markBidi(source), // shown in headers and exports: no bidi control character reorders it
    imageSize: S,
    pixels,
    ids: kept.map((k) => k.s.imagePath),
    captions: kept.map((k) => k.s.captions[0]),
    allCaptions: kept.some((k) => k.s.captions.length > 1) ? kept.map((k) => k.s.captions) : undefined,
    labels: labelNames.length > 0 ? Int32Array.from(kept, (k) => (k.s.label === undefined ? -1 : labelIndex.get(k.s.label)!)) : undefined,
    labelNames: labelNames.length > 0 ? labelNames : undefined,
    heldOutFlags: hasSplit ? Uint8Array.from(kept, (k) => (k.s.split === 'heldout' ? 1 : 0)) : undefined,
  };
  return {
    set: kept.length > 0 ? set : undefined,
    table: detection.table,
    report: report({
      format: detection.format,
      formatDetail: detection.detail,
      images: kept.length,
      captions: kept.reduce((n, k) => n + k.s.captions.length, 0),
      labels: labelNames.length,
      heldOutBy: hasSplit ? 'split folders' : 'seeded 20%',
    }),
  };
}
