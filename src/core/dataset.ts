import { Rng } from './rng';
import * as tf from './tf';

/**
 * A decoded image–caption set, kept as plain numbers (uint8 pixels) so that it can cross the worker boundary and
 * live on any backend. Images are square RGB at `imageSize`, row-major (N, S, S, 3).
 */
export interface ImageSet {
  name: string;
  imageSize: number;
  pixels: Uint8Array;
  ids: string[]; // file names or generated ids, one per image
  captions: string[]; // the caption used for training and for the caption graph, one per image
  labels?: Int32Array; // class index per image, -1 where unknown
  labelNames?: string[];
  allCaptions?: string[][]; // every caption of each image, where images have several
  heldOutFlags?: Uint8Array; // 1 for images the data's own split folders hold out (val/, test/)
}

export function setSize(set: ImageSet): number {
  return set.ids.length;
}

/** Images at `indices` as a float tensor (B, S, S, 3) in [0, 1]. */
export function imageBatch(set: ImageSet, indices: ArrayLike<number>): tf.Tensor4D {
  const S = set.imageSize;
  const per = S * S * 3;
  const out = new Float32Array(indices.length * per);
  for (let b = 0; b < indices.length; b++) {
    const src = set.pixels.subarray(indices[b] * per, (indices[b] + 1) * per);
    const off = b * per;
    for (let i = 0; i < per; i++) out[off + i] = src[i] / 255;
  }
  return tf.tensor4d(out, [indices.length, S, S, 3]);
}

/** How the held-out images were chosen: the data's split folders, or a seeded fraction ("seeded 20%"). */
export type HeldOutBy = 'split folders' | `seeded ${number}%`;

/** The data's own split where it has one (and both sides are non-empty), else a seeded one. */
export function splitForSet(set: ImageSet, heldOutFraction: number, seed: number): { train: Int32Array; heldOut: Int32Array; by: HeldOutBy } {
  const flags = set.heldOutFlags;
  if (flags) {
    const heldOut: number[] = [];
    const train: number[] = [];
    flags.forEach((f, i) => (f ? heldOut : train).push(i));
    if (heldOut.length > 0 && train.length > 0) return { train: Int32Array.from(train), heldOut: Int32Array.from(heldOut), by: 'split folders' };
  }
  return { ...splitHeldOut(setSize(set), heldOutFraction, seed), by: `seeded ${+(heldOutFraction * 100).toFixed(1)}%` };
}

/** The label name of image i, or '' where it has none. */
export function labelName(set: ImageSet, i: number): string {
  return set.labels && set.labelNames && set.labels[i] >= 0 ? set.labelNames[set.labels[i]] : '';
}

/** The uint8 RGB pixels of the images at `indices`, one after another (n·S·S·3). */
export function gatherPixels(set: ImageSet, indices: ArrayLike<number>): Uint8Array {
  const per = set.imageSize * set.imageSize * 3;
  const out = new Uint8Array(indices.length * per);
  for (let k = 0; k < indices.length; k++) out.set(set.pixels.subarray(indices[k] * per, (indices[k] + 1) * per), k * per);
  return out;
}

/** A seeded split into training and held-out indices (heldOutFraction of the images, at least one each side). */
export function splitHeldOut(n: number, heldOutFraction: number, seed: number): { train: Int32Array; heldOut: Int32Array } {
  const perm = new Rng(seed ^ 0x5eed).permutation(n);
  const k = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * heldOutFraction)));
  return { heldOut: perm.slice(0, k).sort(), train: perm.slice(k).sort() };
}

/**
 * Seeded batches without replacement: each epoch is a fresh permutation of the pool; a batch never mixes epochs
 * (the last partial batch of an epoch is dropped) unless the pool is smaller than one batch.
 */
export class BatchSampler {
  private readonly rng: Rng;
  private order: Int32Array = new Int32Array(0);
  private pos = 0;
  epoch = -1;

  constructor(
    private readonly pool: Int32Array,
    readonly batchSize: number,
    seed: number,
  ) {
    if (pool.length === 0) throw new Error('no training images to sample batches from');
    this.rng = new Rng(seed ^ 0xba7c4);
  }

  /** The effective batch size (the pool can be smaller than the requested batch). */
  get size(): number {
    return Math.min(this.batchSize, this.pool.length);
  }

  next(): Int32Array {
    if (this.pos + this.size > this.order.length) {
      const p = this.rng.permutation(this.pool.length);
      this.order = p.map((i) => this.pool[i]);
      this.pos = 0;
      this.epoch += 1;
    }
    const batch = this.order.slice(this.pos, this.pos + this.size);
    this.pos += this.size;
    return batch;
  }
}
