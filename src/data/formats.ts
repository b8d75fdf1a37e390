import Papa from 'papaparse';
import * as v from 'valibot';
import { extension, type FormatName, isImagePath, type ReportEntry, stem } from './loadReport';
import { makeResolver, normalisePath, SPLIT_NAMES, splitOf, unresolved } from './pathResolver';

/**
 * Recognises how a folder pairs images with captions and returns the pairs. DOM-free: it sees paths and can read
 * text files, nothing else, so Node tests drive it with in-memory folders.
 *
 * Formats, tried in this order:
 *  1. COCO captions JSON (`images` + `annotations`), several captions per image;
 *  2. Hugging Face imagefolder: `metadata.jsonl` or `metadata.csv` with `file_name` and `text`;
 *  3. any CSV / TSV with an image-path column and a caption column (open_clip's `filepath` + `title`, …);
 *  4. sidecar captions: `x.jpg` beside `x.txt` or `x.caption`;
 *  5. class folders: `cat/001.jpg`, captioned by a template ("a photo of a {label}").
 * Split folders (`train/`, `val/`, `validation/`, `test/`) are honoured by every format.
 */

export interface SourceEntry {
  path: string; // relative, '/'-separated
  size: number;
}

export interface Sample {
  imagePath: string;
  captions: string[];
  label?: string;
  split?: 'train' | 'heldout';
}

export interface ColumnChoice {
  file: string; // the CSV / TSV the columns come from
  path: string;
  caption: string;
  label?: string;
}

export interface DetectOptions {
  classTemplate: string; // "{label}" is replaced by the folder name
  columns?: ColumnChoice; // the user's choice where the guess was ambiguous
}

export interface Detection {
  format: FormatName | 'none';
  detail: string;
  samples: Sample[];
  entries: ReportEntry[];
  /** For a CSV / TSV: every column and the candidates for each role, so that the user can pick. */
  table?: { file: string; columns: string[]; path: string; caption: string; label?: string; ambiguous: boolean };
}

export const DEFAULT_CLASS_TEMPLATE = 'a photo of a {label}';

/** Text files are read whole: a caption file or a table past these sizes is reported, not read. */
export const MAX_CAPTION_FILE_BYTES = 1024 * 1024;
export const MAX_TABLE_BYTES = 256 * 1024 * 1024;

export class FormatError extends Error {}

const PATH_COLUMNS = ['filepath', 'file_name', 'filename', 'image', 'image_path', 'img_path', 'path', 'file', 'image_file', 'img'];
const CAPTION_COLUMNS = ['title', 'text', 'caption', 'captions', 'description', 'sentence', 'prompt', 'alt', 'label_text'];
const LABEL_COLUMNS = ['label', 'class', 'category', 'class_name', 'labels'];
// A Map, not an object: a folder named "constructor" or "__proto__" is a folder, not one of Object's properties.
/** A JSON value as a row of a table: an object, or a reason why it is not one. */
function asRow(value: unknown): Record<string, unknown> | string {
  if (value === null) return 'line is null, not an object';
  if (Array.isArray(value)) return 'line is a list, not an object';
  if (typeof value !== 'object') return `line is a ${typeof value}, not an object`;
  return value as Record<string, unknown>;
}

/** A row's own value of a column (never one of Object.prototype's). */
function cell(row: Record<string, unknown>, column: string): unknown {
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

/** The part of a COCO captions file this app reads; everything else in it is ignored. */
const CocoImage = v.object({ id: v.union([v.number(), v.string()]), file_name: v.pipe(v.string(), v.minLength(1)) });
const CocoAnnotation = v.object({ image_id: v.union([v.number(), v.string()]), caption: v.string() });

function pickColumn(columns: string[], candidates: string[]): string[] {
  const lower = columns.map((c) => c.trim().toLowerCase());
  return candidates.filter((c) => lower.includes(c)).map((c) => columns[lower.indexOf(c)]);
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Captions of a table file keyed by image, with the report entries of its rows. */
function readTable(
  file: string,
  text: string,
  images: string[],
  choice: ColumnChoice | undefined,
  format: 'csv' | 'imagefolder-metadata',
): Detection {
  const entries: ReportEntry[] = [];
  let rows: Record<string, unknown>[];
  let columns: string[];
  if (extension(file) === 'jsonl') {
    rows = [];
    stripBom(text)
      .split(/\r?\n/)
      .forEach((line, i) => {
        if (!line.trim()) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          entries.push({ path: `${file}:${i + 1}`, reason: 'line is not valid JSON', action: 'skipped' });
          return;
        }
        const row = asRow(value);
        if (typeof row === 'string') entries.push({ path: `${file}:${i + 1}`, reason: row, action: 'skipped' });
        else rows.push(row);
      });
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    columns = [...seen];
  } else {
    const parsed = Papa.parse<Record<string, string>>(stripBom(text), {
      header: true,
      skipEmptyLines: 'greedy',
      delimiter: extension(file) === 'tsv' ? '\t' : '', // '' = detect among , ; \t |
    });
    rows = parsed.data;
    columns = parsed.meta.fields ?? [];
    for (const e of parsed.errors.slice(0, 50))
      entries.push({ path: `${file}:${(e.row ?? 0) + 2}`, reason: `CSV: ${e.message}`, action: 'skipped' });
  }
  const pathCands = pickColumn(columns, PATH_COLUMNS);
  const capCands = pickColumn(columns, CAPTION_COLUMNS);
  const labelCands = pickColumn(columns, LABEL_COLUMNS);
  const pathCol = choice?.path ?? pathCands[0];
  const capCol = choice?.caption ?? capCands.find((c) => c !== pathCol);
  const labelCol = choice ? choice.label : labelCands.find((c) => c !== capCol && c !== pathCol);
  const table = {
    file,
    columns,
    path: pathCol ?? '',
    caption: capCol ?? '',
    label: labelCol,
    ambiguous: !choice && (pathCands.length > 1 || capCands.filter((c) => c !== pathCol).length > 1),
  };
  if (!pathCol || !capCol || !columns.includes(pathCol) || !columns.includes(capCol)) {
    const missing = [!pathCol || !columns.includes(pathCol) ? `an image-path column (${PATH_COLUMNS.join(', ')})` : '', !capCol || !columns.includes(capCol) ? `a caption column (${CAPTION_COLUMNS.join(', ')})` : '']
      .filter(Boolean)
      .join(' and ');
    entries.push({ path: file, reason: `header has no ${missing}; it is: ${columns.join(', ') || '(empty)'}`, action: 'skipped' });
    return { format: 'none', detail: '', samples: [], entries, table };
  }
  const resolve = makeResolver(images);
  const byImage = new Map<string, Sample>();
  rows.forEach((row, i) => {
    const where = `${file}:${i + 2}`;
    const written = cell(row, pathCol);
    if (typeof written !== 'string' || !written.trim()) {
      entries.push({ path: where, reason: `row has no ${pathCol}`, action: 'skipped' });
      return;
    }
    const found = resolve(written, file);
    if (!('image' in found)) {
      entries.push({ path: where, reason: unresolved(written, found), action: 'skipped' });
      return;
    }
    const image = found.image;
    const raw = cell(row, capCol);
    const captions = (Array.isArray(raw) ? raw : [raw]).filter((c): c is string => typeof c === 'string').map((c) => c.trim());
    const rawLabel = labelCol ? cell(row, labelCol) : undefined;
    const label = rawLabel !== undefined && rawLabel !== null && rawLabel !== '' && typeof rawLabel !== 'object' ? String(rawLabel) : undefined;
    const s = byImage.get(image) ?? { imagePath: image, captions: [], label, split: splitOf(image) };
    for (const c of captions) if (c) s.captions.push(c);
    if (captions.every((c) => !c)) entries.push({ path: where, reason: `empty caption for ${image}`, action: 'skipped' });
    byImage.set(image, s);
  });
  const samples = [...byImage.values()];
  for (const s of samples) if (s.captions.length === 0) entries.push({ path: s.imagePath, reason: 'no caption (its rows are empty)', action: 'skipped' });
  return {
    format,
    detail: `${file}: image column "${pathCol}", caption column "${capCol}"${labelCol ? `, label column "${labelCol}"` : ''}`,
    samples: samples.filter((s) => s.captions.length > 0),
    entries,
    table,
  };
}

function readCoco(file: string, json: { images: unknown[]; annotations: unknown[] }, images: string[]): Detection {
  const entries: ReportEntry[] = [];
  const resolve = makeResolver(images);
  const byId = new Map<unknown, Sample>();
  let badImages = 0;
  let badAnnotations = 0;
  json.images.forEach((raw, i) => {
    const parsed = v.safeParse(CocoImage, raw);
    if (!parsed.success) {
      if (badImages++ < 50)
        entries.push({ path: `${file}: images[${i}]`, reason: `not an image record (${v.summarize(parsed.issues).split('\n')[0]}); COCO images need id and file_name`, action: 'skipped' });
      return;
    }
    const im = parsed.output;
    const found = resolve(im.file_name, file);
    if (!('image' in found)) {
      entries.push({ path: `${file}: image ${im.id}`, reason: unresolved(im.file_name, found), action: 'skipped' });
      return;
    }
    byId.set(im.id, { imagePath: found.image, captions: [], split: splitOf(found.image) });
  });
  for (const raw of json.annotations) {
    const parsed = v.safeParse(CocoAnnotation, raw);
    if (!parsed.success) {
      badAnnotations++;
      continue;
    }
    const s = byId.get(parsed.output.image_id);
    if (s && parsed.output.caption.trim()) s.captions.push(parsed.output.caption.trim());
  }
  if (badImages > 50) entries.push({ path: `${file}: images`, reason: `${badImages} image records in all are not {id, file_name}`, action: 'skipped' });
  if (badAnnotations > 0)
    entries.push({ path: `${file}: annotations`, reason: `${badAnnotations} annotations are not {image_id, caption} and were ignored`, action: 'skipped' });
  const samples = [...byId.values()];
  for (const s of samples) if (s.captions.length === 0) entries.push({ path: s.imagePath, reason: 'no caption in the annotations', action: 'skipped' });
  return { format: 'coco', detail: `${file}: ${json.images.length} images, ${json.annotations.length} captions`, samples: samples.filter((s) => s.captions.length > 0), entries };
}

/**
 * Pairs images with captions. `readText` returns the text of one of the entries. Files that are neither images nor
 * caption sources are reported as skipped; images without a caption are reported.
 */
export async function detectSamples(entries: SourceEntry[], readAny: (path: string) => Promise<string>, opts: DetectOptions): Promise<Detection> {
  const report: ReportEntry[] = [];
  const paths = entries.map((e) => normalisePath(e.path));
  const sizes = new Map(entries.map((e, i) => [paths[i], e.size]));
  const readText = async (path: string): Promise<string> => {
    const cap = ['txt', 'caption'].includes(extension(path)) ? MAX_CAPTION_FILE_BYTES : MAX_TABLE_BYTES;
    const size = sizes.get(path) ?? 0;
    if (size > cap) throw new FormatError(`${path} is ${(size / 1024 / 1024).toFixed(1)} MB, over the ${cap / 1024 / 1024} MB cap for a ${extension(path)} file`);
    return readAny(path);
  };
  const images = paths.filter(isImagePath);
  const captionFiles = new Set(paths.filter((p) => ['txt', 'caption'].includes(extension(p))));
  const tables = paths.filter((p) => ['csv', 'tsv', 'jsonl'].includes(extension(p)));
  const jsons = paths.filter((p) => extension(p) === 'json');

  // Two images with one stem (x.jpg and x.png) cannot share one sidecar caption: keep the first, report the other.
  const seenStem = new Map<string, string>();
  const duplicates = new Set<string>();
  for (const p of images) {
    const s = stem(p);
    const first = seenStem.get(s);
    if (first) {
      duplicates.add(p);
      report.push({ path: p, reason: `two images with one stem: ${first} is used`, action: 'skipped' });
    } else seenStem.set(s, p);
  }
  const usable = images.filter((p) => !duplicates.has(p));

  let found: Detection | undefined;
  for (const file of jsons) {
    try {
      const j = JSON.parse(stripBom(await readText(file))) as { images?: unknown; annotations?: unknown } | null;
      if (j && typeof j === 'object' && Array.isArray(j.images) && Array.isArray(j.annotations)) {
        found = readCoco(file, j as { images: unknown[]; annotations: unknown[] }, usable);
        break;
      }
    } catch (err) {
      report.push({ path: file, reason: err instanceof FormatError ? err.message : 'JSON file does not parse', action: 'skipped' });
    }
  }
  const chosenTable = opts.columns?.file;
  const metadata = tables.filter((p) => /(^|\/)metadata\.(jsonl|csv)$/i.test(p));
  let tableFailure: Detection | undefined;
  if (!found) {
    const order = chosenTable ? [chosenTable] : [...metadata, ...tables.filter((t) => !metadata.includes(t))];
    for (const file of order) {
      const format = metadata.includes(file) ? 'imagefolder-metadata' : 'csv';
      let text: string;
      try {
        text = await readText(file);
      } catch (err) {
        report.push({ path: file, reason: err instanceof Error ? err.message : String(err), action: 'skipped' });
        continue;
      }
      const d = readTable(file, text, usable, file === chosenTable ? opts.columns : undefined, format);
      if (d.format !== 'none') {
        found = d;
        break;
      }
      tableFailure ??= d;
    }
  }
  if (!found) {
    const sidecar: Sample[] = [];
    for (const p of usable) {
      const s = stem(p);
      const txt = captionFiles.has(`${s}.txt`) ? `${s}.txt` : captionFiles.has(`${s}.caption`) ? `${s}.caption` : undefined;
      if (!txt) continue;
      let text: string;
      try {
        text = (await readText(txt)).replace(/^\ufeff/, '');
      } catch (err) {
        report.push({ path: p, reason: err instanceof Error ? err.message : String(err), action: 'skipped' });
        continue;
      }
      const captions = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
      if (captions.length === 0) {
        report.push({ path: p, reason: `empty caption in ${txt}`, action: 'skipped' });
        sidecar.push({ imagePath: p, captions: [], split: splitOf(p) });
      } else sidecar.push({ imagePath: p, captions, split: splitOf(p) });
    }
    if (sidecar.length > 0) found = { format: 'sidecar', detail: `${sidecar.length} images with .txt or .caption files`, samples: sidecar.filter((s) => s.captions.length > 0), entries: [] };
  }
  if (!found) {
    const labelled = usable
      .map((p) => {
        const parts = p.split('/').slice(0, -1).filter((part) => !SPLIT_NAMES.has(part.toLowerCase()));
        return { p, label: parts[parts.length - 1] };
      })
      .filter((x) => x.label);
    const labels = new Set(labelled.map((x) => x.label));
    if (labelled.length > 0 && labels.size >= 2)
      found = {
        format: 'class-folders',
        detail: `${labels.size} class folders, captions from the template "${opts.classTemplate}"`,
        samples: labelled.map(({ p, label }) => ({
          imagePath: p,
          captions: [opts.classTemplate.replace(/\{label\}/g, label.replace(/[_-]+/g, ' '))],
          label,
          split: splitOf(p),
        })),
        entries: [],
      };
  }
  // A table whose header we could not read is reported, and offered for the user to pick its columns.
  found ??= { format: 'none', detail: '', samples: [], entries: [], table: tableFailure?.table };
  for (const e of found.entries) report.push(e);
  for (const e of tableFailure?.entries ?? []) report.push(e);

  const used = new Set(found.samples.map((s) => s.imagePath));
  const reported = new Set(report.map((r) => r.path));
  const consumed = new Set<string>([...captionFiles, ...tables, ...jsons]);
  for (const p of paths) {
    if (used.has(p) || reported.has(p)) continue;
    if (isImagePath(p)) report.push({ path: p, reason: found.format === 'none' ? 'no caption found for any image' : 'no caption', action: 'skipped' });
    else if (!consumed.has(p)) report.push({ path: p, reason: `not an image (.${extension(p) || 'no extension'})`, action: 'skipped' });
  }
  return { ...found, entries: report };
}
