import { createStore, del, get, set } from 'idb-keyval';
import type { SourceFile } from '../worker/protocol';

/**
 * The last folder opened with the directory picker, kept across reloads: its FileSystemDirectoryHandle is stored in
 * IndexedDB (handles are structured-cloneable), so that after a reload the resume offer can ask for permission to
 * read it again (`requestPermission({ mode: 'read' })`, one click) instead of a new pick. Browsers forget the
 * permission on reload, never the handle.
 */

type Permission = 'granted' | 'denied' | 'prompt';

/** What of a directory handle this file uses (a FileSystemDirectoryHandle, or a test's double). */
export interface FolderHandle {
  kind: 'directory';
  name: string;
  values(): AsyncIterable<FolderHandle | FileHandle>;
  queryPermission?(opts: { mode: 'read' }): Promise<Permission>;
  requestPermission?(opts: { mode: 'read' }): Promise<Permission>;
}

interface FileHandle {
  kind: 'file';
  name: string;
  getFile(): Promise<File>;
}

/** Where the handle is kept: idb-keyval's get / set / del on their own store, or a test's map. */
export interface HandleStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

const KEY = 'last-folder';

let idb: HandleStore | undefined;
/** The IndexedDB store of folder handles (opened on first use). */
export function folderStore(): HandleStore {
  if (!idb) {
    const store = createStore('xsample-playground-folders', 'handles');
    idb = { get: (k) => get(k, store), set: (k, v) => set(k, v, store), del: (k) => del(k, store) };
  }
  return idb;
}

/** Keeps the handle of a folder the user just opened. A browser that cannot store it only loses the shortcut. */
export async function rememberFolder(handle: FolderHandle, store: HandleStore = folderStore()): Promise<void> {
  try {
    await store.set(KEY, handle);
  } catch {
    // No IndexedDB (a private window) or a handle it cannot clone: the folder is simply not offered after a reload.
  }
}

/** The folder opened last, if one was kept and is still a directory handle. */
export async function recallFolder(store: HandleStore = folderStore()): Promise<FolderHandle | undefined> {
  try {
    const h = (await store.get(KEY)) as Partial<FolderHandle> | undefined;
    return h && h.kind === 'directory' && typeof h.name === 'string' && typeof h.values === 'function' ? (h as FolderHandle) : undefined;
  } catch {
    return undefined;
  }
}

export async function forgetFolder(store: HandleStore = folderStore()): Promise<void> {
  await store.del(KEY).catch(() => undefined);
}

/** Every file under a directory handle, with paths that start with the folder's name (as the picker loads them). */
export async function filesOfFolder(dir: FolderHandle, prefix = `${dir.name}/`): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for await (const h of dir.values()) {
    if (h.kind === 'file') out.push({ path: `${prefix}${h.name}`, blob: await h.getFile() });
    else out.push(...(await filesOfFolder(h, `${prefix}${h.name}/`)));
  }
  return out;
}

/**
 * Reads a remembered folder again: asks for read permission where it is not granted (call it from a click: the
 * browser shows its prompt only for a user gesture), then reads every file. A refusal or a folder that is gone is a
 * sentence naming the folder; a folder that is gone is forgotten.
 */
export async function reopenFolder(dir: FolderHandle, store: HandleStore = folderStore()): Promise<{ files: SourceFile[] } | { refused: string }> {
  const opts = { mode: 'read' } as const;
  let state: Permission = (await dir.queryPermission?.(opts)) ?? 'granted';
  if (state !== 'granted' && dir.requestPermission) state = await dir.requestPermission(opts);
  if (state !== 'granted') return { refused: `reading the folder “${dir.name}” was not allowed; open it again with “Open folder…”` };
  try {
    return { files: await filesOfFolder(dir) };
  } catch (err) {
    if (err instanceof DOMException && err.name === 'NotFoundError') {
      await forgetFolder(store);
      return { refused: `the folder “${dir.name}” is no longer where it was; open it again with “Open folder…”` };
    }
    throw err;
  }
}
