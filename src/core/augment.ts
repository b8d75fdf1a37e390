import type { AugmentConfig } from './config';
import type { Rng } from './rng';
import * as tf from './tf';

/**
 * Augmentation as tensor ops, every random number drawn from the seeded Rng:
 * random resized crop (area and aspect ratio, as torchvision), horizontal flip (a crop box with x1 > x2 is read
 * mirrored by cropAndResize) and colour jitter (brightness, contrast, saturation), clipped to [0, 1].
 */

export interface CropBox {
  y1: number;
  x1: number;
  y2: number;
  x2: number;
}

/** A random resized crop in normalised coordinates, flipped with probability flipProb. */
export function randomCropBox(rng: Rng, a: AugmentConfig): CropBox {
  let h = 1;
  let w = 1;
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(a.minCropScale, 1);
    const logRatio = rng.uniform(Math.log(3 / 4), Math.log(4 / 3));
    const ratio = Math.exp(logRatio); // width / height
    const cw = Math.sqrt(area * ratio);
    const ch = Math.sqrt(area / ratio);
    if (cw <= 1 && ch <= 1) {
      w = cw;
      h = ch;
      break;
    }
  }
  const y1 = rng.uniform(0, 1 - h);
  const x1 = rng.uniform(0, 1 - w);
  const flip = rng.next() < a.flipProb;
  return flip ? { y1, x1: x1 + w, y2: y1 + h, x2: x1 } : { y1, x1, y2: y1 + h, x2: x1 + w };
}

export interface JitterParams {
  brightness: Float32Array; // added
  contrast: Float32Array; // factor around each image's mean
  saturation: Float32Array; // factor around each pixel's grey value
}

export interface AugmentPlan {
  boxes: CropBox[];
  jitter: JitterParams;
}

/** Draws the random numbers of one view of a batch of n images. */
export function planAugment(n: number, rng: Rng, a: AugmentConfig): AugmentPlan {
  const boxes: CropBox[] = [];
  const jitter: JitterParams = {
    brightness: new Float32Array(n),
    contrast: new Float32Array(n),
    saturation: new Float32Array(n),
  };
  for (let i = 0; i < n; i++) {
    boxes.push(randomCropBox(rng, a));
    jitter.brightness[i] = rng.uniform(-a.brightness, a.brightness);
    jitter.contrast[i] = rng.uniform(1 - a.contrast, 1 + a.contrast);
    jitter.saturation[i] = rng.uniform(1 - a.saturation, 1 + a.saturation);
  }
  return { boxes, jitter };
}

/** images (B, S, S, 3) in [0, 1] -> one augmented view, same shape. */
export function applyAugment(images: tf.Tensor4D, plan: AugmentPlan): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W] = images.shape;
    const boxes = tf.tensor2d(
      plan.boxes.flatMap((b) => [b.y1, b.x1, b.y2, b.x2]),
      [B, 4],
    );
    const boxInd = tf.range(0, B, 1, 'int32') as tf.Tensor1D;
    let x = tf.image.cropAndResize(images, boxes, boxInd, [H, W], 'bilinear') as tf.Tensor4D;
    const per = (v: Float32Array) => tf.tensor4d(v, [B, 1, 1, 1]);
    x = tf.add(x, per(plan.jitter.brightness));
    const mean = tf.mean(x, [1, 2, 3], true);
    x = tf.add(tf.mul(tf.sub(x, mean), per(plan.jitter.contrast)), mean);
    const grey = tf.mean(x, 3, true);
    x = tf.add(tf.mul(tf.sub(x, grey), per(plan.jitter.saturation)), grey);
    return tf.clipByValue(x, 0, 1) as tf.Tensor4D;
  });
}
