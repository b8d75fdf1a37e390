/** What the loader tells the user about every file it did not use as it is, and the counts of what it used. */

export type FormatName = 'sidecar' | 'csv' | 'imagefolder-metadata' | 'class-folders' | 'coco' | 'demo' | 'generated';

export interface ReportEntry {
  path: string;
  reason: string; // a sentence naming what is wrong
  action: 'skipped' | 'downscaled' | 'kept'; // what happened to the file
}

export interface LoadReport {
  source: string; // folder, zip or demo name
  format: FormatName | 'none';
  formatDetail: string; // how the format was recognised (for example the CSV columns used)
  files: number; // files seen
  images: number; // images decoded and used
  captions: number; // captions kept (an image can have several)
  labels: number; // distinct labels (0 when there are none)
  heldOutBy: 'split folders' | 'seeded 20%';
  entries: ReportEntry[];
  cancelled: boolean;
  ms: number;
}

/** A load report without its entries: what a load call returns (the page has the whole report from its event). */
export type LoadReportCounts = Omit<LoadReport, 'entries'> & { entryCount: number };

/** The report's counts: a report of 60,000 entries is cloned across the worker boundary once, not twice. */
export function reportCounts({ entries, ...rest }: LoadReport): LoadReportCounts {
  return { ...rest, entryCount: entries.length };
}

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'avif'];

export function extension(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extension(path));
}

/** The path without its extension: the "stem" that pairs x.jpg with x.txt. */
export function stem(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : path;
}
