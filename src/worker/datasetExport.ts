import { zipSync } from 'fflate';
import type { HeldOutBy, ImageSet } from '../core/dataset';
import type { CaptionGraph } from '../core/captionGraph';
import { extension } from '../data/loadReport';
import { type ImageFile, prepareShards, type ShardLimits } from '../data/webdatasetShards';
import type { SourceFile } from './protocol';
import { expandSources } from './sourceFiles';

/** The files a dataset was loaded from (absent for a generated set), and how the loader recognised them. */
export interface DataSources {
  files: SourceFile[];
  format: string;
  formatDetail: string;
}

/** A generated set's image i as PNG bytes (it has no files). */
async function pixelsPng(set: ImageSet, i: number): Promise<ImageFile> {
  const S = set.imageSize;
  const canvas = new OffscreenCanvas(S, S);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(S, S);
  const px = set.pixels.subarray(i * S * S * 3, (i + 1) * S * S * 3);
  for (let p = 0; p < S * S; p++) {
    img.data[p * 4] = px[p * 3];
    img.data[p * 4 + 1] = px[p * 3 + 1];
    img.data[p * 4 + 2] = px[p * 3 + 2];
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return { bytes: new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer()), ext: 'png' };
}

/**
 * The prepared dataset as one zip (stored, not compressed: the shards are tars of already compressed images) holding
 * the WebDataset shards and dataset.json: the original image files where the data came from files (re-read from
 * what the user chose, zips opened again), PNGs of the pixels for a generated set.
 */
export async function buildDatasetExport(args: {
  set: ImageSet;
  split: { train: Int32Array; heldOut: Int32Array; by: HeldOutBy };
  seed: number;
  heldOutFraction: number;
  graph: CaptionGraph;
  graphSource: string;
  centreGraph: boolean;
  sources?: DataSources;
  limits?: ShardLimits;
  onProgress: (done: number, total: number) => void;
}): Promise<{ zip: Uint8Array; shards: number; samples: number }> {
  const { set, sources } = args;
  let byPath: Map<string, Blob> | undefined;
  if (sources) {
    const { files } = await expandSources(sources.files);
    byPath = new Map(files.map((f) => [f.path, f.blob]));
  }
  const imageFile = async (i: number): Promise<ImageFile> => {
    if (!byPath) return pixelsPng(set, i);
    const blob = byPath.get(set.ids[i]);
    if (!blob) throw new Error('the file is no longer among the files the dataset was loaded from');
    const ext = extension(set.ids[i]) || 'img';
    return { bytes: new Uint8Array(await blob.arrayBuffer()), ext: ext === 'jpeg' ? 'jpg' : ext };
  };
  const files = await prepareShards({
    set,
    split: args.split,
    seed: args.seed,
    heldOutFraction: args.heldOutFraction,
    format: sources?.format ?? 'generated',
    formatDetail: sources?.formatDetail,
    graph: { source: args.graphSource, kind: args.graph.kind, centred: args.centreGraph, vectors: args.graph.vectors, classSim: args.graph.classSim },
    imageFile,
    limits: args.limits,
    onProgress: args.onProgress,
  });
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: k.endsWith('.json') ? 6 : 0 }]])));
  return { zip, shards: Object.keys(files).length - 1, samples: set.ids.length };
}
