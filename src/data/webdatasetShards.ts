import { createTar, type TarFileInput } from 'nanotar';
import { strToU8 } from 'fflate';
import type { HeldOutBy, ImageSet } from '../core/dataset';

/**
 * The dataset as the app loaded it, written once in WebDataset's format (tar shards of samples grouped by key), DOM-free:
 *   train-000000.tar, train-000001.tar, …, test-000000.tar, …   the app's own train / held-out split
 *   per sample KEY.png|jpg|… (the original file's bytes), KEY.txt (captions, one per line), KEY.cls (class index,
 *   where the sample has a label), KEY.emb.npy (the caption-graph vector, where the graph is made of vectors) and
 *   KEY.json ({ id, label }: the original path and label name)
 *   dataset.json   what the app found: format, split, label names, graph, counts, image size, shard names
 * KEY is the sample's position in the app's set, zero-padded, so shards list samples in the app's order.
 * The tar writing is nanotar's (ustar headers, which hold names of up to 100 bytes: keys are short).
 */

export const DATASET_FORMAT = 'xsample-playground-dataset/1';

/** A shard is closed when the next sample would take it over either cap. */
export interface ShardLimits {
  maxSamples: number;
  maxBytes: number;
}

export const DEFAULT_SHARD_LIMITS: ShardLimits = { maxSamples: 10_000, maxBytes: 512 * 1024 * 1024 };

/** An image's file: its bytes and the extension it is stored under (png, jpg, webp, …). */
export interface ImageFile {
  bytes: Uint8Array;
  ext: string;
}

export interface PrepareInput {
  set: ImageSet;
  split: { train: Int32Array; heldOut: Int32Array; by: HeldOutBy };
  seed: number;
  heldOutFraction: number;
  /** The format the loader recognised, and how (the load report's words). */
  format: string;
  formatDetail?: string;
  /** The caption graph: the source asked for, what it is made of, and its unit rows where it is made of vectors. */
  graph: { source: string; kind: string; centred: boolean; vectors?: { data: Float32Array; dim: number }; classSim?: { data: Float32Array; classes: number } };
  /** The original bytes of image i (for a generated set: an encoding of its pixels). */
  imageFile: (index: number) => Promise<ImageFile>;
  limits?: ShardLimits;
  onProgress?: (done: number, total: number) => void;
  cancelled?: () => boolean;
}

/** A float32 row as a .npy file (format 1.0, little-endian '<f4', C order, header padded to 64 bytes). */
export function npyFloat32(values: Float32Array, shape: number[] = [values.length]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.map((s) => `${s},`).join(' ')}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(strToU8(header), 10);
  const body = new DataView(out.buffer, 10 + header.length);
  values.forEach((v, i) => body.setFloat32(i * 4, v, true));
  return out;
}

export function shardName(split: 'train' | 'test', n: number): string {
  return `${split}-${String(n).padStart(6, '0')}.tar`;
}

/** The sample's key: its position in the set, zero-padded to the width of the largest position (at least 6). */
export function sampleKey(index: number, count: number): string {
  return String(index).padStart(Math.max(6, String(count - 1).length), '0');
}

/** The files of one sample, in WebDataset's order (image first). */
function sampleFiles(input: PrepareInput, index: number, image: ImageFile): TarFileInput[] {
  const { set, graph } = input;
  const key = sampleKey(index, set.ids.length);
  const captions = (set.allCaptions?.[index] ?? [set.captions[index]]).map((c) => c.replace(/[\r\n]+/g, ' '));
  const label = set.labels && set.labels[index] >= 0 ? set.labels[index] : undefined;
  const attrs = { mtime: 0, mode: '644' };
  const files: TarFileInput[] = [
    { name: `${key}.${image.ext}`, data: image.bytes, attrs },
    { name: `${key}.txt`, data: strToU8(captions.join('\n')), attrs },
  ];
  if (label !== undefined) files.push({ name: `${key}.cls`, data: strToU8(String(label)), attrs });
  if (graph.vectors) {
    const d = graph.vectors.dim;
    files.push({ name: `${key}.emb.npy`, data: npyFloat32(graph.vectors.data.slice(index * d, (index + 1) * d)), attrs });
  }
  const meta = { id: set.ids[index], label: label !== undefined ? set.labelNames![label] : null };
  files.push({ name: `${key}.json`, data: strToU8(JSON.stringify(meta)), attrs });
  return files;
}

function bytesOf(files: TarFileInput[]): number {
  // ustar: a 512-byte header per file, data padded to 512 bytes.
  return files.reduce((n, f) => n + 512 + Math.ceil(((f.data as Uint8Array).length || 0) / 512) * 512, 0);
}

/**
 * Every shard of the set and dataset.json, as name -> bytes. Throws with the sample's id when an image cannot be
 * read, and stops (throwing) when cancelled.
 */
export async function prepareShards(input: PrepareInput): Promise<Record<string, Uint8Array>> {
  const { set, split } = input;
  const limits = input.limits ?? DEFAULT_SHARD_LIMITS;
  if (!(limits.maxSamples >= 1) || !(limits.maxBytes >= 1024)) throw new Error(`shard limits ${JSON.stringify(limits)}: at least 1 sample and 1 KiB per shard`);
  const out: Record<string, Uint8Array> = {};
  const shards: Record<'train' | 'test', string[]> = { train: [], test: [] };
  const total = split.train.length + split.heldOut.length;
  const imageTypes = new Set<string>();
  let done = 0;
  for (const [name, indices] of [['train', split.train], ['test', split.heldOut]] as const) {
    let pending: TarFileInput[] = [];
    let samples = 0;
    let bytes = 1024; // the two zero blocks that end a tar
    const flush = () => {
      if (samples === 0) return;
      const file = shardName(name, shards[name].length);
      out[file] = createTar(pending, { attrs: { mtime: 0 } });
      shards[name].push(file);
      pending = [];
      samples = 0;
      bytes = 1024;
    };
    for (const index of indices) {
      if (input.cancelled?.()) throw new Error('the dataset export was cancelled');
      let image: ImageFile;
      try {
        image = await input.imageFile(index);
      } catch (err) {
        throw new Error(`${set.ids[index]}: cannot be read for the dataset export (${err instanceof Error ? err.message : String(err)})`);
      }
      imageTypes.add(image.ext);
      const files = sampleFiles(input, index, image);
      const size = bytesOf(files);
      if (samples > 0 && (samples + 1 > limits.maxSamples || bytes + size > limits.maxBytes)) flush();
      pending.push(...files);
      samples += 1;
      bytes += size;
      done += 1;
      input.onProgress?.(done, total);
    }
    flush();
  }
  out['dataset.json'] = strToU8(JSON.stringify(datasetJson(input, shards, [...imageTypes].sort()), null, 2));
  return out;
}

function datasetJson(input: PrepareInput, shards: Record<'train' | 'test', string[]>, imageTypes: string[]) {
  const { set, split, graph } = input;
  return {
    format: DATASET_FORMAT,
    name: set.name,
    sourceFormat: input.format,
    sourceFormatDetail: input.formatDetail ?? '',
    imageSize: set.imageSize,
    imageNote: 'KEY.<ext> holds the original file; the app decoded it, centre-cropped and resized it to imageSize',
    imageTypes,
    counts: { samples: set.ids.length, train: split.train.length, test: split.heldOut.length },
    split: { by: split.by, seed: input.seed, heldOutFraction: input.heldOutFraction, train: 'train-*.tar', test: 'test-*.tar (the held-out split)' },
    labels: set.labelNames ?? null,
    graph: {
      source: graph.source,
      kind: graph.kind,
      centred: graph.centred,
      emb: graph.vectors ? { dim: graph.vectors.dim, normalised: true, note: 'KEY.emb.npy: the unit row the graph is built from (centred over the whole set first when centred)' } : null,
      // A label graph's value between two classes (row a, column b: label indices of KEY.cls); 1 within a class.
      classSimilarity: graph.classSim
        ? Array.from({ length: graph.classSim.classes }, (_, a) => Array.from(graph.classSim!.data.subarray(a * graph.classSim!.classes, (a + 1) * graph.classSim!.classes)))
        : null,
    },
    keys: 'the sample position in the app, zero-padded; KEY.json holds the original path (id) and label name',
    shards,
    createdAt: new Date().toISOString(),
  };
}
