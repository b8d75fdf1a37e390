import { Inflate } from 'fflate';
import CRC32 from 'crc-32';

/**
 * A zip reader that checks before it inflates. DOM-free: it reads the archive through `read(offset, length)`, so the
 * worker reads a File by slices (the whole zip is never in memory) and Node tests read a Uint8Array.
 *
 *  1. The central directory is read first (names, methods, declared sizes): nothing is inflated yet. A zip with too
 *     many entries, too many declared bytes, or a ratio no dataset has is refused here, in milliseconds.
 *  2. Entries are then inflated one at a time, by fflate's streaming Inflate in small input chunks (in the calling
 *     worker: no worker per entry). An entry that inflates past its declared size (a header that lies) or past the
 *     per-file cap is stopped at once and reported, so the bytes held never exceed the caps.
 */

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number; // an entry declared larger is skipped (the image decoder's own cap)
  maxTotalBytes: number; // all entries together, as declared
  /** Expanded / compressed over the whole archive, refused above this once the archive expands past `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 100 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 64 * 1024 * 1024,
};

export class ZipError extends Error {}

export interface ZipEntry {
  name: string; // as written in the archive, separators normalised
  method: number; // 0 stored, 8 deflate
  flags: number;
  compressedSize: number;
  size: number; // declared uncompressed size
  offset: number; // of the local header
  crc: number; // CRC-32 of the uncompressed bytes, from the central directory (unsigned)
}

export type ReadBytes = (offset: number, length: number) => Promise<Uint8Array>;

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MB = 1024 * 1024;

const fmt = (bytes: number) => (bytes >= 1024 * MB ? `${(bytes / 1024 / MB).toFixed(1)} GB` : `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`);

/** Zip paths as this app writes them: '/'-separated, relative, without '.' or '..' segments. */
export function normaliseSourcePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((part, i, all) => part !== '' || i === all.length - 1)
    .filter((part) => part !== '.' && part !== '..')
    .join('/');
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('a zip64 size or offset is out of range');
  return Number(v);
}

function decodeName(bytes: Uint8Array, utf8Flag: boolean): string {
  if (!utf8Flag) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return new TextDecoder('latin1').decode(bytes);
    }
  }
  return new TextDecoder().decode(bytes);
}

/** The archive's entries from its central directory; throws ZipError when the directory cannot be read. */
export async function readCentralDirectory(read: ReadBytes, size: number): Promise<ZipEntry[]> {
  if (size < 22) throw new ZipError('too short to be a zip');
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await read(size - tailLength, tailLength);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (tv.getUint32(i, true) === EOCD) {
      at = i;
      break;
    }
  if (at < 0) throw new ZipError('no end-of-central-directory record (truncated or not a zip)');
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = at - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== EOCD64_LOCATOR) throw new ZipError('zip64 archive without its locator');
    const eocd64At = u64(tv, loc + 8);
    if (eocd64At + 56 > size) throw new ZipError('zip64 record points outside the file');
    const rec = await read(eocd64At, 56);
    const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (rv.getUint32(0, true) !== EOCD64) throw new ZipError('zip64 end record not found');
    count = u64(rv, 32);
    cdSize = u64(rv, 40);
    cdOffset = u64(rv, 48);
  }
  if (count > ZIP_LIMITS.maxEntries) throw new ZipError(`it has ${count} entries, over the cap of ${ZIP_LIMITS.maxEntries}: not opened`);
  if (cdOffset + cdSize > size) throw new ZipError('the central directory lies outside the file (truncated?)');
  const cd = await read(cdOffset, cdSize);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL) throw new ZipError(`central directory entry ${n + 1} is damaged`);
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let entrySize = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let offset = cv.getUint32(p + 42, true);
    const crc = cv.getUint32(p + 16, true);
    if (p + 46 + nameLen + extraLen > cd.length) throw new ZipError(`central directory entry ${n + 1} is damaged`);
    const name = decodeName(cd.subarray(p + 46, p + 46 + nameLen), (flags & 0x800) !== 0);
    // zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) throw new ZipError(`zip64 field of ${name} is short`);
          const v = u64(cv, q);
          q += 8;
          return v;
        };
        if (entrySize === 0xffffffff) entrySize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (offset === 0xffffffff) offset = take();
      }
      e += 4 + len;
    }
    entries.push({ name: normaliseSourcePath(name), method, flags, compressedSize, size: entrySize, offset, crc });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * Why this archive is not opened at all (undefined when it may be): too many entries, too many bytes declared,
 * or an expansion ratio that only a zip bomb has. Entries over the per-file cap are skipped one by one instead.
 */
export function zipRefusal(entries: ZipEntry[], zipBytes: number, limits: ZipLimits = ZIP_LIMITS): string | undefined {
  if (entries.length > limits.maxEntries) return `it has ${entries.length} entries, over the cap of ${limits.maxEntries}: not opened`;
  let total = 0;
  for (const e of entries) if (e.size <= limits.maxEntryBytes) total += e.size;
  if (total > limits.maxTotalBytes) return `it would expand to ${fmt(total)}, over the ${fmt(limits.maxTotalBytes)} cap: not opened`;
  const ratio = total / Math.max(1, zipBytes);
  if (total > limits.ratioFloorBytes && ratio > limits.maxRatio)
    return `it would expand ${Math.round(ratio)}-fold (${fmt(zipBytes)} to ${fmt(total)}), more than any image set does (a zip bomb?): not opened`;
  return undefined;
}

/** Why one entry is skipped before it is inflated (undefined when it is read). */
export function entrySkip(e: ZipEntry, limits: ZipLimits = ZIP_LIMITS): string | undefined {
  if (e.flags & 1) return 'encrypted zip entry: skipped';
  if (e.method !== 0 && e.method !== 8) return `zip compression method ${e.method} is not supported (only stored and deflate): skipped`;
  if (e.size > limits.maxEntryBytes) return `file would expand to ${fmt(e.size)}, over the ${fmt(limits.maxEntryBytes)} cap: skipped before inflating`;
  if (e.method === 0 && e.compressedSize !== e.size) return 'stored entry whose sizes disagree: skipped';
  return undefined;
}

const READ_CHUNK = 4 * MB;
/**
 * Compressed bytes per push: about the declared size / 1024 (deflate's largest ratio is about 1032), from 1 kB to
 * 64 kB, so an entry whose header lies is stopped after about its declared size plus one megabyte of work.
 */
const pushChunk = (declared: number) => Math.max(1024, Math.min(64 * 1024, Math.ceil(declared / 1024)));

/**
 * The bytes of one entry: stored entries as they are, deflated ones inflated in small chunks and stopped as soon
 * as they pass their declared size, then checked against their CRC-32. Throws ZipError with the reason.
 */
export async function readEntry(read: ReadBytes, zipBytes: number, e: ZipEntry): Promise<Uint8Array> {
  const bytes = await entryBytes(read, zipBytes, e);
  // Damage that still inflates (or a stored entry, which is never inflated) shows only in the checksum.
  if (CRC32.buf(bytes) >>> 0 !== e.crc) throw new ZipError('its bytes do not match the checksum (CRC-32) in the zip: the archive is damaged');
  return bytes;
}

async function entryBytes(read: ReadBytes, zipBytes: number, e: ZipEntry): Promise<Uint8Array> {
  if (e.offset + 30 > zipBytes) throw new ZipError('its local header lies outside the file');
  const head = await read(e.offset, 30);
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (hv.getUint32(0, true) !== LOCAL) throw new ZipError('its local header is damaged');
  const start = e.offset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  if (start + e.compressedSize > zipBytes) throw new ZipError('its data runs past the end of the file (truncated?)');
  if (e.method === 0) return read(start, e.size);
  if (e.size === 0) return new Uint8Array(0);
  const out = new Uint8Array(e.size);
  let written = 0;
  let ended = false;
  const inflate = new Inflate();
  const PUSH_CHUNK = pushChunk(e.size);
  inflate.ondata = (chunk, final) => {
    if (written + chunk.length > e.size)
      throw new ZipError(`it inflates past its declared ${e.size} bytes (a zip bomb or a damaged header): stopped`);
    out.set(chunk, written);
    written += chunk.length;
    if (final) ended = true;
  };
  try {
    for (let at = 0; at < e.compressedSize && !ended; at += READ_CHUNK) {
      const block = await read(start + at, Math.min(READ_CHUNK, e.compressedSize - at));
      const lastBlock = at + READ_CHUNK >= e.compressedSize;
      for (let q = 0; q < block.length && !ended; q += PUSH_CHUNK) {
        const piece = block.subarray(q, Math.min(block.length, q + PUSH_CHUNK));
        inflate.push(piece, lastBlock && q + PUSH_CHUNK >= block.length);
      }
    }
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError(`its data does not inflate (${err instanceof Error ? err.message : String(err)})`);
  }
  if (written !== e.size) throw new ZipError(`it inflates to ${written} bytes, not the ${e.size} its header declares (damaged?)`);
  return out;
}
