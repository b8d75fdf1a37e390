import Papa from 'papaparse';
import * as v from 'valibot';
import { describeIssues, firstNonFinite, parseJson } from '../data/validation';

/**
 * Caption embeddings computed elsewhere (for example all-MiniLM-L6-v2 in Python), matched to the dataset:
 *  - `.npy`: float32 (or float64) [N, d], rows in the dataset's image order sorted by file name;
 *  - `.json`: {"file_name": [v…], …} or [{"file_name": …, "embedding": [v…]}, …];
 *  - `.csv`: a `file_name` column then the d values.
 * Every mismatch (count, names, width) is an error naming what differs.
 */
export interface ParsedEmbeddings {
  dim: number;
  vectors: Float32Array; // (N, dim) row-major
  keys?: string[]; // file names, where the file names its rows
}

export class EmbeddingFileError extends Error {}

/** Width and count caps: a caption vector is a few hundred to a few thousand values. */
export const MAX_DIM = 16_384;
export const MAX_VALUES = 2 ** 28;

/**
 * Every value finite and no row of zeros (a zero-length vector has no direction: cosine similarity divides by its
 * norm, and centring would spread a NaN to every row). Errors name the file and the row.
 */
function checkVectors(vectors: Float32Array, dim: number, name: string, rowName: (row: number) => string): void {
  const bad = firstNonFinite(vectors, dim);
  if (bad) throw new EmbeddingFileError(`${name}: ${rowName(bad.row)} holds ${bad.value} at value ${bad.column + 1}; every value must be a finite number`);
  for (let r = 0; r < vectors.length / dim; r++) {
    let zero = true;
    for (let c = 0; c < dim && zero; c++) zero = vectors[r * dim + c] === 0;
    if (zero) throw new EmbeddingFileError(`${name}: ${rowName(r)} is all zeros; a zero-length vector has no direction to compare`);
  }
}

/** Parses a NumPy .npy file (format versions 1 to 3, little-endian float32 or float64, C order, 2-D). */
export function parseNpy(buf: ArrayBuffer, name = 'file.npy'): ParsedEmbeddings {
  const bytes = new Uint8Array(buf);
  if (bytes.length < 12) throw new EmbeddingFileError(`${name}: not a .npy file (${bytes.length} bytes)`);
  const magic = String.fromCharCode(...bytes.slice(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new EmbeddingFileError(`${name}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  const view = new DataView(buf);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (major < 1 || major > 3) throw new EmbeddingFileError(`${name}: .npy format version ${major} is not 1, 2 or 3`);
  if (start + headerLen > bytes.length) throw new EmbeddingFileError(`${name}: the .npy header runs past the end of the file`);
  const header = new TextDecoder().decode(bytes.slice(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) throw new EmbeddingFileError(`${name}: unreadable .npy header: ${header.trim()}`);
  const dims = shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length !== 2) throw new EmbeddingFileError(`${name}: expected a 2-D array [N, d], got shape (${dims.join(', ')})`);
  if (!dims.every((x) => Number.isInteger(x) && x >= 1))
    throw new EmbeddingFileError(`${name}: shape (${shape.trim()}) must be two whole numbers of at least 1 (N rows of d values)`);
  if (dims[1] > MAX_DIM || dims[0] * dims[1] > MAX_VALUES)
    throw new EmbeddingFileError(`${name}: shape (${dims.join(', ')}) is over the caps (d ≤ ${MAX_DIM}, N·d ≤ ${MAX_VALUES})`);
  if (fortran === 'True') throw new EmbeddingFileError(`${name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const offset = start + headerLen;
  const [n, d] = dims;
  const width = descr === '<f8' ? 8 : 4;
  if (buf.byteLength - offset < n * d * width)
    throw new EmbeddingFileError(`${name}: the header says ${n}×${d} but the file holds ${Math.floor((buf.byteLength - offset) / width)} values`);
  let vectors: Float32Array;
  if (descr === '<f4') vectors = new Float32Array(buf.slice(offset, offset + n * d * 4));
  else if (descr === '<f8') vectors = Float32Array.from(new Float64Array(buf.slice(offset, offset + n * d * 8)));
  else throw new EmbeddingFileError(`${name}: dtype ${descr} is not float32 or float64`);
  if (vectors.length !== n * d) throw new EmbeddingFileError(`${name}: the header says ${n}×${d} but the file holds ${vectors.length} values`);
  checkVectors(vectors, d, name, (r) => `row ${r + 1}`);
  return { dim: d, vectors };
}

function fromRows(rows: [string, number[]][], name: string): ParsedEmbeddings {
  if (rows.length === 0) throw new EmbeddingFileError(`${name}: no rows`);
  const dim = rows[0][1].length;
  if (dim === 0) throw new EmbeddingFileError(`${name}: row ${rows[0][0]} has no values; a vector needs at least one`);
  if (dim > MAX_DIM || rows.length * dim > MAX_VALUES) throw new EmbeddingFileError(`${name}: ${rows.length} rows of ${dim} values is over the caps (d ≤ ${MAX_DIM})`);
  const seen = new Set<string>();
  for (const [key, vec] of rows) {
    if (vec.length !== dim) throw new EmbeddingFileError(`${name}: row ${key} has ${vec.length} values where the first row has ${dim}`);
    if (seen.has(key)) throw new EmbeddingFileError(`${name}: ${key} has two rows`);
    seen.add(key);
  }
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach(([, v], i) => vectors.set(v, i * dim));
  checkVectors(vectors, dim, name, (r) => `row ${rows[r][0]}`);
  return { dim, vectors, keys: rows.map(([k]) => k) };
}

// JSON numbers only: NaN and Infinity cannot be written in JSON, and a null or a string in a vector is refused here.
const Vector = v.array(v.pipe(v.number(), v.finite()));
const KeyedObject = v.record(v.pipe(v.string(), v.minLength(1)), Vector);
const RowList = v.array(v.object({ file_name: v.pipe(v.string(), v.minLength(1)), embedding: Vector }));

/** A CSV cell as a number: '' and text are refused (Number('') is 0). */
function cellNumber(cell: string | undefined, name: string, row: string, column: number): number {
  const t = (cell ?? '').trim();
  const x = t === '' ? NaN : Number(t);
  if (!Number.isFinite(x)) throw new EmbeddingFileError(`${name}: row ${row} holds ${JSON.stringify(cell ?? '')} at value ${column}; every value must be a finite number`);
  return x;
}

/** Parses an embeddings file; every error, whatever threw it, names the file (never a bare RangeError). */
export function parseEmbeddingFile(name: string, content: ArrayBuffer): ParsedEmbeddings {
  try {
    return parseAny(name, content);
  } catch (err) {
    if (err instanceof EmbeddingFileError) throw err;
    throw new EmbeddingFileError(`${name}: cannot be read (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`);
  }
}

function parseAny(name: string, content: ArrayBuffer): ParsedEmbeddings {
  const lower = name.toLowerCase();
  if (lower.endsWith('.npy')) return parseNpy(content, name);
  const text = new TextDecoder().decode(content).replace(/^\ufeff/, '');
  if (lower.endsWith('.json')) {
    const j = parseJson(text, name, EmbeddingFileError);
    if (Array.isArray(j)) {
      const r = v.safeParse(RowList, j);
      if (!r.success) throw new EmbeddingFileError(`${describeIssues(name, r.issues, 2)} (each item is {file_name, embedding: [numbers]})`);
      return fromRows(r.output.map((row) => [row.file_name, row.embedding]), name);
    }
    if (j && typeof j === 'object') {
      const r = v.safeParse(KeyedObject, j);
      if (!r.success) throw new EmbeddingFileError(`${describeIssues(name, r.issues, 2)} (each key is a file name, each value a list of numbers)`);
      return fromRows(Object.entries(r.output), name);
    }
    throw new EmbeddingFileError(`${name}: expected an object keyed by file name or a list of {file_name, embedding}`);
  }
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) {
    const parsed = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' });
    const [header, ...rows] = parsed.data;
    if (!header || !/^(file_?name|filepath|image|path)$/i.test(header[0].trim()))
      throw new EmbeddingFileError(`${name}: the first column must be file_name (the header is: ${header?.join(', ')})`);
    return fromRows(rows.map((r, i) => [r[0] ?? `${i + 2}`, r.slice(1).map((c, k) => cellNumber(c, name, `${i + 2} (${r[0]})`, k + 1))]), name);
  }
  throw new EmbeddingFileError(`${name}: use .npy, .json or .csv`);
}

/** Orders the parsed rows as the dataset's images (ids); errors name the counts or the names that do not match. */
export function matchEmbeddings(parsed: ParsedEmbeddings, ids: string[], name: string): Float32Array {
  const n = ids.length;
  const out = new Float32Array(n * parsed.dim);
  if (!parsed.keys) {
    const rows = parsed.vectors.length / parsed.dim;
    if (rows !== n) throw new EmbeddingFileError(`${name} has ${rows} rows but the dataset has ${n} images`);
    const order = ids.map((id, i) => [id, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    order.forEach(([, datasetIndex], row) => out.set(parsed.vectors.subarray(row * parsed.dim, (row + 1) * parsed.dim), datasetIndex * parsed.dim));
    return out;
  }
  const byKey = new Map<string, number>();
  parsed.keys.forEach((k, i) => byKey.set(k, i));
  const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const byBase = new Map<string, number>();
  parsed.keys.forEach((k, i) => byBase.set(baseName(k), i));
  const missing: string[] = [];
  ids.forEach((id, i) => {
    const row = byKey.get(id) ?? byBase.get(baseName(id));
    if (row === undefined) missing.push(id);
    else out.set(parsed.vectors.subarray(row * parsed.dim, (row + 1) * parsed.dim), i * parsed.dim);
  });
  if (missing.length > 0)
    throw new EmbeddingFileError(`${name} has no row for ${missing.length} of ${n} images, for example ${missing.slice(0, 3).join(', ')}`);
  return out;
}
