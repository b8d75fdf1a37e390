import { describe, expect, it } from 'vitest';
import { type FolderHandle, forgetFolder, type HandleStore, recallFolder, rememberFolder, reopenFolder } from '../../src/ui/folderMemory';
import { folderMatches } from '../../src/ui/ResumeOffer';

// The browser's FileSystemDirectoryHandle stands in as a double (headless Chromium has no directory picker to make a
// real one); the store is a Map in place of IndexedDB.

function mapStore(): HandleStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return { map, get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v), del: async (k) => void map.delete(k) };
}

function fakeFolder(name: string, tree: Record<string, string | Record<string, string>>, permission: { now: 'granted' | 'prompt' | 'denied'; answer: 'granted' | 'denied' }) {
  const asked: unknown[] = [];
  const dir = (n: string, t: Record<string, string | Record<string, string>>): FolderHandle => ({
    kind: 'directory',
    name: n,
    async *values() {
      for (const [k, v] of Object.entries(t)) {
        if (typeof v === 'string') yield { kind: 'file' as const, name: k, getFile: async () => new File([v], k) };
        else yield dir(k, v);
      }
    },
  });
  const root = dir(name, tree);
  root.queryPermission = async () => permission.now;
  root.requestPermission = async (opts) => {
    asked.push(opts);
    permission.now = permission.answer;
    return permission.answer;
  };
  return { root, asked };
}

describe('the directory picker’s folder, remembered across reloads', () => {
  it('keeps the handle, and after a reload asks for read permission (no new pick) and reads every file', async () => {
    const store = mapStore();
    expect(await recallFolder(store)).toBeUndefined();
    const { root, asked } = fakeFolder('my-photos', { 'captions.csv': 'file_name,text\na.png,a cat', images: { 'a.png': 'PNG' } }, { now: 'prompt', answer: 'granted' });
    await rememberFolder(root, store);
    // "Reload": only the store survives.
    const again = await recallFolder(store);
    expect(again).toBe(root);
    const got = await reopenFolder(again!, store);
    expect(asked).toEqual([{ mode: 'read' }]);
    expect('files' in got && got.files.map((f) => f.path)).toEqual(['my-photos/captions.csv', 'my-photos/images/a.png']);
    expect('files' in got && (await got.files[0].blob.text())).toBe('file_name,text\na.png,a cat');
    // Permission already granted: not asked again.
    await reopenFolder(again!, store);
    expect(asked).toHaveLength(1);
  });

  it('a refusal is a sentence naming the folder; a folder that is gone is forgotten', async () => {
    const store = mapStore();
    const { root } = fakeFolder('holiday', { 'a.txt': 'x' }, { now: 'prompt', answer: 'denied' });
    await rememberFolder(root, store);
    expect(await reopenFolder(root, store)).toEqual({ refused: 'reading the folder “holiday” was not allowed; open it again with “Open folder…”' });
    expect(await recallFolder(store)).toBe(root); // kept: the next click may be allowed
    const gone: FolderHandle = {
      kind: 'directory',
      name: 'moved',
      queryPermission: async () => 'granted',
      // eslint-disable-next-line require-yield
      async *values() {
        throw new DOMException('A requested file or directory could not be found', 'NotFoundError');
      },
    };
    await rememberFolder(gone, store);
    expect(await reopenFolder(gone, store)).toEqual({ refused: 'the folder “moved” is no longer where it was; open it again with “Open folder…”' });
    expect(await recallFolder(store)).toBeUndefined();
  });

  it('recalls only directory handles; a store that fails loses the shortcut, never the page', async () => {
    const store = mapStore();
    store.map.set('last-folder', { kind: 'file', name: 'x' });
    expect(await recallFolder(store)).toBeUndefined();
    const broken: HandleStore = { get: () => Promise.reject(new Error('no IndexedDB')), set: () => Promise.reject(new Error('DataCloneError')), del: () => Promise.reject(new Error('no')) };
    await expect(rememberFolder(fakeFolder('a', {}, { now: 'granted', answer: 'granted' }).root, broken)).resolves.toBeUndefined();
    expect(await recallFolder(broken)).toBeUndefined();
    await expect(forgetFolder(broken)).resolves.toBeUndefined();
  });

  it('the resume offer reopens the folder that the saved run trained on, matched by name', () => {
    const saved = { id: '1', name: 'r', savedAt: '', objectives: ['clip' as const], steps: [5], dataset: { name: 'my-photos', size: 30 } };
    expect(folderMatches(saved, 'my-photos')).toBe(true);
    expect(folderMatches(saved, 'other')).toBe(false);
    expect(folderMatches(saved, undefined)).toBe(false);
    expect(folderMatches({ ...saved, dataset: { name: 'a[U+202E]b', size: 1 } }, 'a\u202eb')).toBe(true);
  });
});
