import { unzip } from 'fflate';
import { extension } from '../data/loadReport';
import type { SourceFile } from './protocol';

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
    if (!(await isZip(f))) {
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

/** A .zip, or a file without an extension that starts like one (PK\x03\x04). */
async function isZip(f: SourceFile): Promise<boolean> {
  const ext = extension(f.path);
  if (ext === 'zip') return true;
  if (ext !== '' || f.blob.size < 4) return false;
  const head = new Uint8Array(await f.blob.slice(0, 4).arrayBuffer());
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
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
