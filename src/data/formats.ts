import Papa from 'papaparse';
import { extension, type FormatName, isImagePath, type ReportEntry, stem } from './loadReport';

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

const PATH_COLUMNS = ['filepath', 'file_name', 'filename', 'image', 'image_path', 'img_path', 'path', 'file', 'image_file', 'img'];
const CAPTION_COLUMNS = ['title', 'text', 'caption', 'captions', 'description', 'sentence', 'prompt', 'alt', 'label_text'];
const LABEL_COLUMNS = ['label', 'class', 'category', 'class_name', 'labels'];
const SPLIT_NAMES: Record<string, 'train' | 'heldout'> = { train: 'train', training: 'train', val: 'heldout', valid: 'heldout', validation: 'heldout', test: 'heldout' };

/** The split a path's folders name, if any. */
export function splitOf(path: string): 'train' | 'heldout' | undefined {
  for (const part of path.split('/').slice(0, -1)) {
    const s = SPLIT_NAMES[part.toLowerCase()];
    if (s) return s;
  }
  return undefined;
}

function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
}

/** Finds an image among the entries by a path written in a caption file: exact, relative to that file, or by name. */
function makeResolver(images: string[]) {
  const exact = new Set(images);
  const byName = new Map<string, string[]>();
  for (const p of images) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    byName.set(name, [...(byName.get(name) ?? []), p]);
  }
  return (written: string, relativeTo: string): string | undefined => {
    const w = normalisePath(written.trim());
    if (exact.has(w)) return w;
    const dir = relativeTo.includes('/') ? relativeTo.slice(0, relativeTo.lastIndexOf('/') + 1) : '';
    if (exact.has(dir + w)) return dir + w;
    const tail = images.filter((p) => p.endsWith(`/${w}`));
    if (tail.length === 1) return tail[0];
    const same = byName.get(w.slice(w.lastIndexOf('/') + 1));
    return same && same.length === 1 ? same[0] : undefined;
  };
}

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
        try {
          rows.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          entries.push({ path: `${file}:${i + 1}`, reason: 'line is not valid JSON', action: 'skipped' });
        }
      });
    columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
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
    const written = row[pathCol];
    if (typeof written !== 'string' || !written.trim()) {
      entries.push({ path: where, reason: `row has no ${pathCol}`, action: 'skipped' });
      return;
    }
    const image = resolve(written, file);
    if (!image) {
      entries.push({ path: where, reason: `image ${written} does not exist`, action: 'skipped' });
      return;
    }
    const raw = row[capCol];
    const captions = (Array.isArray(raw) ? raw : [raw]).filter((c): c is string => typeof c === 'string').map((c) => c.trim());
    const label = labelCol && row[labelCol] !== undefined && row[labelCol] !== '' ? String(row[labelCol]) : undefined;
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
  for (const im of json.images as { id: unknown; file_name?: string }[]) {
    if (!im.file_name) continue;
    const path = resolve(im.file_name, file);
    if (!path) {
      entries.push({ path: `${file}: image ${im.id}`, reason: `image ${im.file_name} does not exist`, action: 'skipped' });
      continue;
    }
    byId.set(im.id, { imagePath: path, captions: [], split: splitOf(path) });
  }
  for (const a of json.annotations as { image_id: unknown; caption?: string }[]) {
    const s = byId.get(a.image_id);
    if (s && typeof a.caption === 'string' && a.caption.trim()) s.captions.push(a.caption.trim());
  }
  const samples = [...byId.values()];
  for (const s of samples) if (s.captions.length === 0) entries.push({ path: s.imagePath, reason: 'no caption in the annotations', action: 'skipped' });
  return { format: 'coco', detail: `${file}: ${json.images.length} images, ${json.annotations.length} captions`, samples: samples.filter((s) => s.captions.length > 0), entries };
}

/**
 * Pairs images with captions. `readText` returns the text of one of the entries. Files that are neither images nor
 * caption sources are reported as skipped; images without a caption are reported.
 */
export async function detectSamples(entries: SourceEntry[], readText: (path: string) => Promise<string>, opts: DetectOptions): Promise<Detection> {
  const report: ReportEntry[] = [];
  const paths = entries.map((e) => normalisePath(e.path));
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
      const j = JSON.parse(stripBom(await readText(file))) as { images?: unknown; annotations?: unknown };
      if (Array.isArray(j.images) && Array.isArray(j.annotations)) {
        found = readCoco(file, j as { images: unknown[]; annotations: unknown[] }, usable);
        break;
      }
    } catch {
      report.push({ path: file, reason: 'JSON file does not parse', action: 'skipped' });
    }
  }
  const chosenTable = opts.columns?.file;
  const metadata = tables.filter((p) => /(^|\/)metadata\.(jsonl|csv)$/i.test(p));
  let tableFailure: Detection | undefined;
  if (!found) {
    const order = chosenTable ? [chosenTable] : [...metadata, ...tables.filter((t) => !metadata.includes(t))];
    for (const file of order) {
      const format = metadata.includes(file) ? 'imagefolder-metadata' : 'csv';
      const d = readTable(file, await readText(file), usable, file === chosenTable ? opts.columns : undefined, format);
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
      const text = (await readText(txt)).replace(/^\ufeff/, '');
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
        const parts = p.split('/').slice(0, -1).filter((part) => !SPLIT_NAMES[part.toLowerCase()]);
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
  report.push(...found.entries, ...(tableFailure?.entries ?? []));

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
