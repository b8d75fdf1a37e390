import CRC32 from 'crc-32';
import { deflateSync, inflateSync, zipSync } from 'fflate';

/**
 * Hostile zips, built byte by byte (DOM-free: the unit tests read them directly, the browser tests write them to
 * disk and load them through the page). A zip bomb needs no gigabytes here: one deflate stream of zeros is written
 * once and named by many entries, each declaring its full expanded size (or lying about it).
 */

export interface RawEntry {
  name: string;
  data: Uint8Array; // as stored in the archive (already deflated when method is 8)
  method: 0 | 8;
  size: number; // declared uncompressed size
  crc?: number; // CRC-32 of the uncompressed bytes (default: computed from the data)
}

const crcOf = (e: RawEntry) => e.crc ?? CRC32.buf(e.method === 0 ? e.data : inflateSync(e.data)) >>> 0;

/** A zip of raw entries (no zip64): local headers, data, central directory, end record. */
export function buildZip(entries: RawEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crcOf(e);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x800, true);
    lv.setUint16(8, e.method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x800, true);
    cv.setUint16(10, e.method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, e.data);
    centrals.push(central);
    offset += local.length + e.data.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, Math.min(entries.length, 0xffff), true);
  ev.setUint16(10, Math.min(entries.length, 0xffff), true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const MB = 1024 * 1024;
let zerosMB: Uint8Array | undefined;
/** 1 MiB of zeros, deflated (about 1 kB). */
function deflatedZerosMB(): Uint8Array {
  zerosMB ??= deflateSync(new Uint8Array(MB), { level: 9 });
  return zerosMB;
}

/** `count` entries of `mbEach` MiB of zeros (a chain of 1 MiB deflate streams would not be valid: each entry is one stream). */
export function zerosBomb(count: number, mbEach: number, declare: 'honest' | 'lying' = 'honest'): Uint8Array {
  const stream = mbEach === 1 ? deflatedZerosMB() : deflateSync(new Uint8Array(mbEach * MB), { level: 9 });
  const crc = CRC32.buf(new Uint8Array(mbEach * MB)) >>> 0; // once, for every entry
  return buildZip(
    Array.from({ length: count }, (_, i) => ({ name: `bomb/${String(i).padStart(5, '0')}.png`, data: stream, method: 8 as const, size: declare === 'honest' ? mbEach * MB : 1000, crc })),
  );
}

/** A zip whose entries are few but declare gigabytes (sizes in the headers only; the data is tiny). */
export function declaredHuge(): Uint8Array {
  const data = deflateSync(new Uint8Array(1000));
  return buildZip([
    { name: 'a.png', data, method: 8, size: 0xfffffff0 - 1 },
    { name: 'b.png', data, method: 8, size: 0xfffffff0 - 1 },
  ]);
}

/** An ordinary zip (fflate) of {path: bytes or text}. */
export function plainZip(files: Record<string, Uint8Array | string>): Uint8Array {
  const enc = new TextEncoder();
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? enc.encode(v) : v])));
}

/** A zip with stored entries whose names use '\\' (as some Windows tools write them). */
export function backslashZip(files: Record<string, Uint8Array | string>): Uint8Array {
  const enc = new TextEncoder();
  return buildZip(
    Object.entries(files).map(([name, v]) => {
      const data = typeof v === 'string' ? enc.encode(v) : v;
      return { name: name.replace(/\//g, '\\'), data, method: 0 as const, size: data.length };
    }),
  );
}

/** A zip whose one stored entry had a byte changed after it was written (its checksum no longer matches). */
export function flippedByteZip(name: string, text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const z = buildZip([{ name, data, method: 0, size: data.length }]);
  const at = 30 + new TextEncoder().encode(name).length + Math.floor(data.length / 2);
  z[at] ^= 0x20;
  return z;
}
