import Papa from 'papaparse';

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

/** Parses a NumPy .npy file (format versions 1 to 3, little-endian float32 or float64, C order, 2-D). */
export function parseNpy(buf: ArrayBuffer, name = 'file.npy'): ParsedEmbeddings {
  const bytes = new Uint8Array(buf);
  const magic = String.fromCharCode(...bytes.slice(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new EmbeddingFileError(`${name}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  const view = new DataView(buf);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.slice(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) throw new EmbeddingFileError(`${name}: unreadable .npy header: ${header.trim()}`);
  const dims = shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length !== 2) throw new EmbeddingFileError(`${name}: expected a 2-D array [N, d], got shape (${dims.join(', ')})`);
  if (fortran === 'True') throw new EmbeddingFileError(`${name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const offset = start + headerLen;
  const [n, d] = dims;
  let vectors: Float32Array;
  if (descr === '<f4') vectors = new Float32Array(buf.slice(offset, offset + n * d * 4));
  else if (descr === '<f8') vectors = Float32Array.from(new Float64Array(buf.slice(offset, offset + n * d * 8)));
  else throw new EmbeddingFileError(`${name}: dtype ${descr} is not float32 or float64`);
  if (vectors.length !== n * d) throw new EmbeddingFileError(`${name}: the header says ${n}×${d} but the file holds ${vectors.length} values`);
  return { dim: d, vectors };
}

function fromRows(rows: [string, number[]][], name: string): ParsedEmbeddings {
  if (rows.length === 0) throw new EmbeddingFileError(`${name}: no rows`);
  const dim = rows[0][1].length;
  const bad = rows.find(([, v]) => v.length !== dim || v.some((x) => !Number.isFinite(x)));
  if (bad) throw new EmbeddingFileError(`${name}: row ${bad[0]} has ${bad[1].length} values (or a non-number) where the first has ${dim}`);
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach(([, v], i) => vectors.set(v, i * dim));
  return { dim, vectors, keys: rows.map(([k]) => k) };
}

export function parseEmbeddingFile(name: string, content: ArrayBuffer): ParsedEmbeddings {
  const lower = name.toLowerCase();
  if (lower.endsWith('.npy')) return parseNpy(content, name);
  const text = new TextDecoder().decode(content).replace(/^\ufeff/, '');
  if (lower.endsWith('.json')) {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new EmbeddingFileError(`${name}: not valid JSON (${e instanceof Error ? e.message : e})`);
    }
    if (Array.isArray(j))
      return fromRows(
        j.map((r: { file_name?: string; embedding?: number[] }, i) => {
          if (typeof r.file_name !== 'string' || !Array.isArray(r.embedding)) throw new EmbeddingFileError(`${name}: item ${i} lacks file_name or embedding`);
          return [r.file_name, r.embedding];
        }),
        name,
      );
    if (j && typeof j === 'object') return fromRows(Object.entries(j as Record<string, number[]>), name);
    throw new EmbeddingFileError(`${name}: expected an object keyed by file name or a list of {file_name, embedding}`);
  }
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) {
    const parsed = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' });
    const [header, ...rows] = parsed.data;
    if (!header || !/^(file_?name|filepath|image|path)$/i.test(header[0].trim()))
      throw new EmbeddingFileError(`${name}: the first column must be file_name (the header is: ${header?.join(', ')})`);
    return fromRows(rows.map((r) => [r[0], r.slice(1).map(Number)]), name);
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
