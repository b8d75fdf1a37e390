import { unzip } from 'fflate';
import { extension } from '../data/loadReport';

/** A file as the loader sees it: a '/'-separated path relative to what the user chose, and its bytes. */
export interface SourceFile {
  path: string;
  blob: Blob;
}

function unzipAsync(data: Uint8Array): Promise<Record<string, Uint8Array>> {
  return new Promise((resolve, reject) => unzip(data, (err, files) => (err ? reject(err) : resolve(files))));
}

const IGNORED = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)/;

/**
 * Expands every .zip among the files into its entries (paths inside the zip, prefixed by the zip's folder) and drops
 * the files operating systems add (__MACOSX, .DS_Store, Thumbs.db). A zip that does not open is returned in `broken`.
 */
export async function expandSources(files: SourceFile[]): Promise<{ files: SourceFile[]; broken: { path: string; reason: string }[] }> {
  const out: SourceFile[] = [];
  const broken: { path: string; reason: string }[] = [];
  for (const f of files) {
    if (IGNORED.test(f.path)) continue;
    if (extension(f.path) !== 'zip') {
      out.push(f);
      continue;
    }
    try {
      const entries = await unzipAsync(new Uint8Array(await f.blob.arrayBuffer()));
      const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/') + 1) : '';
      for (const [name, bytes] of Object.entries(entries)) {
        if (name.endsWith('/') || IGNORED.test(name)) continue;
        out.push({ path: dir + name, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) });
      }
    } catch (err) {
      broken.push({ path: f.path, reason: `zip does not open: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return { files: stripCommonFolder(out), broken };
}

/** "photos/a/x.jpg", "photos/b/y.jpg" -> "a/x.jpg", "b/y.jpg": the folder the user picked is not a class. */
export function stripCommonFolder(files: SourceFile[]): SourceFile[] {
  let result = files;
  for (;;) {
    const first = result[0]?.path;
    if (!first || !first.includes('/')) return result;
    const top = first.slice(0, first.indexOf('/') + 1);
    if (!result.every((f) => f.path.startsWith(top))) return result;
    result = result.map((f) => ({ ...f, path: f.path.slice(top.length) }));
  }
}
