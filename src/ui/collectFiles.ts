import type { SourceFile } from '../worker/protocol';
import { filesOfFolder, type FolderHandle, rememberFolder } from './folderMemory';

/**
 * Turns what the user picked or dropped into SourceFiles (File objects travel to the worker without a copy).
 * Folders come from <input webkitdirectory>, from drag and drop (webkitGetAsEntry) or from showDirectoryPicker.
 */

/** From an <input type=file> (with or without webkitdirectory). */
export function fromFileList(list: FileList | File[]): SourceFile[] {
  return Array.from(list).map((f) => ({ path: f.webkitRelativePath || f.name, blob: f }));
}

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // Chromium returns at most 100 entries per readEntries call: read until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walkEntry(entry: FileSystemEntry, prefix: string, out: SourceFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: prefix + entry.name, blob: file });
  } else if (entry.isDirectory) {
    const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
    for (const child of children) await walkEntry(child, `${prefix}${entry.name}/`, out);
  }
}

/** From a drop: files and whole folders. */
export async function fromDataTransfer(dt: DataTransfer): Promise<SourceFile[]> {
  const entries = Array.from(dt.items)
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return fromFileList(dt.files);
  const out: SourceFile[] = [];
  for (const e of entries) await walkEntry(e, '', out);
  return out;
}

export function hasDirectoryPicker(): boolean {
  return typeof (window as unknown as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';
}

/**
 * From the File System Access API, where the browser has it; the folder's handle is kept (folderMemory.ts), so that
 * after a reload it can be read again with one permission click. Resolves undefined when the user cancels.
 */
export async function fromDirectoryPicker(): Promise<{ name: string; files: SourceFile[] } | undefined> {
  try {
    const dir = await (window as unknown as { showDirectoryPicker(o: object): Promise<FolderHandle> }).showDirectoryPicker({ mode: 'read' });
    await rememberFolder(dir);
    return { name: dir.name, files: await filesOfFolder(dir) };
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return undefined;
    throw err;
  }
}

/** A name for what was loaded: the folder, the zip, or "N files". */
export function describeSource(files: SourceFile[]): string {
  if (files.length === 1) return files[0].path;
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  return tops.size === 1 && files[0].path.includes('/') ? [...tops][0] : `${files.length} files`;
}
