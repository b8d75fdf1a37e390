import type { ImageSet } from '../core/dataset';
import { Rng } from '../core/rng';

/**
 * A generated image–caption set that needs no files: coloured shapes on dark backgrounds with captions such as
 * "a large red circle". Labels are the shape. Small, learnable, and the same for a seed on every machine.
 */

export const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring'] as const;
export const COLOURS: Record<string, [number, number, number]> = {
  red: [230, 40, 40],
  green: [40, 200, 60],
  blue: [50, 90, 240],
  yellow: [240, 220, 40],
  purple: [160, 60, 220],
  orange: [250, 140, 20],
  white: [240, 240, 240],
};

function inside(shape: (typeof SHAPES)[number], dx: number, dy: number, r: number): boolean {
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 'triangle':
      return dy <= r * 0.8 && dy >= -r && Math.abs(dx) <= ((dy + r) / 1.8) * 1.0;
    case 'cross':
      return (Math.abs(dx) <= r * 0.3 && Math.abs(dy) <= r) || (Math.abs(dy) <= r * 0.3 && Math.abs(dx) <= r);
    case 'ring': {
      const d = Math.sqrt(dx * dx + dy * dy);
      return d <= r && d >= r * 0.55;
    }
  }
}

export function makeShapesSet(n: number, imageSize: number, seed = 1): ImageSet {
  const rng = new Rng(seed);
  const S = imageSize;
  const pixels = new Uint8Array(n * S * S * 3);
  const captions: string[] = [];
  const labels = new Int32Array(n);
  const colourNames = Object.keys(COLOURS);
  const SS = 3; // supersampling per axis for smooth edges
  for (let i = 0; i < n; i++) {
    const shapeIdx = i % SHAPES.length;
    const shape = SHAPES[shapeIdx];
    const colour = colourNames[rng.int(colourNames.length)];
    const large = rng.next() < 0.5;
    const r = (large ? rng.uniform(0.3, 0.4) : rng.uniform(0.16, 0.24)) * S;
    const cx = rng.uniform(r, S - r);
    const cy = rng.uniform(r, S - r);
    const bg = [rng.int(60), rng.int(60), rng.int(60)];
    const fg = COLOURS[colour];
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        let cover = 0;
        for (let sy = 0; sy < SS; sy++)
          for (let sx = 0; sx < SS; sx++)
            if (inside(shape, x + (sx + 0.5) / SS - cx, y + (sy + 0.5) / SS - cy, r)) cover += 1;
        const a = cover / (SS * SS);
        const o = ((i * S + y) * S + x) * 3;
        for (let c = 0; c < 3; c++) pixels[o + c] = Math.round(bg[c] * (1 - a) + fg[c] * a);
      }
    captions.push(`a ${large ? 'large' : 'small'} ${colour} ${shape}`);
    labels[i] = shapeIdx;
  }
  return {
    name: `generated shapes (${n})`,
    imageSize: S,
    pixels,
    ids: Array.from({ length: n }, (_, i) => `shape-${String(i).padStart(5, '0')}`),
    captions,
    labels,
    labelNames: [...SHAPES],
  };
}
