import { extension } from '../data/loadReport';
import { entrySkip, normaliseSourcePath, readCentralDirectory, readEntry, type ReadBytes, ZipError, zipRefusal } from '../data/zipReader';
import type { SourceFile } from './protocol';

const IGNORED = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)/;

export interface Expanded {
  files: SourceFile[];
  /** Zips that were not opened, and entries of opened ones that were skipped, each with its reason. */
  broken: { path: string; reason: string }[];
}

function blobReader(blob: Blob): ReadBytes {
  return async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
}

/**
 * Expands every .zip among the files into its entries (paths inside the zip, prefixed by the zip's folder) and drops
 * the files operating systems add (__MACOSX, .DS_Store, Thumbs.db). Paths are normalised here, once ('\\' to '/',
 * no '.', '..' or empty segments), so nothing downstream sees another OS's separator. Zips are read through
 * zipReader: their central directory is checked against the caps before anything is inflated, and entries are
 * inflated one at a time in this worker. A zip that is refused or does not open is returned in `broken`, as is
 * every skipped entry; the other files are kept.
 */
export async function expandSources(files: SourceFile[], cancelled: () => boolean = () => false): Promise<Expanded> {
  const out: SourceFile[] = [];
  const broken: { path: string; reason: string }[] = [];
  for (const original of files) {
    if (cancelled()) break;
    const f = { path: normaliseSourcePath(original.path), blob: original.blob };
    if (!f.path || IGNORED.test(f.path)) continue;
    if (!(await isZip(f))) {
      out.push(f);
      continue;
    }
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/') + 1) : '';
    const read = blobReader(f.blob);
    try {
      const entries = await readCentralDirectory(read, f.blob.size);
      const refusal = zipRefusal(entries, f.blob.size);
      if (refusal) throw new ZipError(refusal);
      for (const e of entries) {
        if (cancelled()) break;
        if (!e.name || e.name.endsWith('/') || IGNORED.test(e.name)) continue;
        const skip = entrySkip(e);
        if (skip) {
          broken.push({ path: dir + e.name, reason: skip });
          continue;
        }
        try {
          const bytes = await readEntry(read, f.blob.size, e);
          out.push({ path: dir + e.name, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) });
        } catch (err) {
          broken.push({ path: `${f.path}: ${e.name}`, reason: `zip entry skipped: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
    } catch (err) {
      broken.push({ path: f.path, reason: `zip not opened: ${err instanceof Error ? err.message : String(err)}` });
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
