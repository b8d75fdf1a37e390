import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

/** Test images made on the fly: PNGs rendered by resvg, and files that are broken on purpose. */

let ready: Promise<void> | undefined;
function init(): Promise<void> {
  const require = createRequire(import.meta.url);
  ready ??= initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  return ready;
}

export async function png(colour: string, size = 24, shape: 'circle' | 'square' = 'circle'): Promise<Uint8Array> {
  await init();
  const body =
    shape === 'circle'
      ? `<circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="${colour}"/>`
      : `<rect x="${size / 5}" y="${size / 5}" width="${(size * 3) / 5}" height="${(size * 3) / 5}" fill="${colour}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#222"/>${body}</svg>`;
  return new Resvg(svg).render().asPng();
}

/** A PNG whose header says width × height (nothing after it decodes): stands for a huge image. */
export function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(8 + 25 + 12);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const v = new DataView(b.buffer);
  v.setUint32(8, 13);
  b.set([0x49, 0x48, 0x44, 0x52], 12); // IHDR
  v.setUint32(16, width);
  v.setUint32(20, height);
  b.set([8, 2, 0, 0, 0], 24); // 8-bit RGB
  v.setUint32(37, 0);
  b.set([0x49, 0x45, 0x4e, 0x44], 41); // IEND
  return b;
}

/** Writes {relative path: bytes or text} under a new temporary folder named `name`; returns the folder. */
export function writeFolder(name: string, files: Record<string, Uint8Array | string>): string {
  const root = join(mkdtempSync(join(tmpdir(), 'xsp-fixture-')), name);
  mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return root;
}

export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'cyan'];
