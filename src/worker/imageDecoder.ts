import { imageSize } from 'image-size';
import { rgbaToRgb } from '../core/pixels';

/** Images larger than this are skipped before decoding (a 10,000 × 10,000 image needs 400 MB to decode). */
export const MAX_PIXELS = 50_000_000;
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

export interface Decoded {
  pixels: Uint8Array; // S·S·3 RGB
  width: number;
  height: number;
}

export class DecodeError extends Error {}

/** Width and height from the file header where its format is known (no full decode). */
async function headerSize(blob: Blob): Promise<{ width: number; height: number } | undefined> {
  try {
    const head = new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
    const s = imageSize(head);
    return s.width && s.height ? { width: s.width, height: s.height } : undefined;
  } catch {
    return undefined; // unknown or truncated header: the decoder has the last word
  }
}

/**
 * Decodes an image in a worker (EXIF orientation applied), centre-crops it to a square, resizes it to S×S with
 * high-quality filtering over a white background (for transparency) and returns RGB bytes.
 */
export async function decodeImage(blob: Blob, S: number): Promise<Decoded> {
  if (blob.size === 0) throw new DecodeError('file is empty');
  if (blob.size > MAX_FILE_BYTES) throw new DecodeError(`file is ${(blob.size / 1e6).toFixed(0)} MB, over the ${MAX_FILE_BYTES / 1024 / 1024} MB cap: skipped`);
  const header = await headerSize(blob);
  if (header && header.width * header.height > MAX_PIXELS)
    throw new DecodeError(`image is ${header.width}×${header.height} (${((header.width * header.height) / 1e6).toFixed(0)} MP), over the ${MAX_PIXELS / 1e6} MP cap: skipped`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    throw new DecodeError('cannot be decoded (corrupt, truncated or not an image)');
  }
  const { width, height } = bitmap;
  try {
    if (width * height > MAX_PIXELS) throw new DecodeError(`image is ${width}×${height}, over the ${MAX_PIXELS / 1e6} MP cap: skipped`);
    const side = Math.min(width, height);
    const square = await createImageBitmap(bitmap, Math.floor((width - side) / 2), Math.floor((height - side) / 2), side, side, {
      resizeWidth: S,
      resizeHeight: S,
      resizeQuality: 'high',
    });
    const canvas = new OffscreenCanvas(S, S);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, S, S);
    ctx.drawImage(square, 0, 0);
    square.close();
    return { pixels: rgbaToRgb(ctx.getImageData(0, 0, S, S).data), width, height };
  } finally {
    bitmap.close();
  }
}
