/**
 * Paths in a dataset: the split a folder names, and how a path written in a caption file or a table finds its image
 * among the entries (exact, relative to that file, then by tail or name where those name one file only).
 */

export const SPLIT_NAMES = new Map<string, 'train' | 'heldout'>([
  ['train', 'train'],
  ['training', 'train'],
  ['val', 'heldout'],
  ['valid', 'heldout'],
  ['validation', 'heldout'],
  ['test', 'heldout'],
]);

/** The split a path's folders name, if any. */
export function splitOf(path: string): 'train' | 'heldout' | undefined {
  for (const part of path.split('/').slice(0, -1)) {
    const s = SPLIT_NAMES.get(part.toLowerCase());
    if (s) return s;
  }
  return undefined;
}

export function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

/** A path written in a caption file resolves to one image, to several (ambiguous), or to none. */
export type Resolved = { image: string } | { ambiguous: string[] } | { missing: true };

/** Describes what a written path did not resolve to, for the report. */
export function unresolved(written: string, r: Exclude<Resolved, { image: string }>): string {
  if ('ambiguous' in r)
    return `image ${written} is ambiguous: ${r.ambiguous.length} files match (${r.ambiguous.slice(0, 3).join(', ')}${r.ambiguous.length > 3 ? ', …' : ''}); write its folder too`;
  return `image ${written} does not exist`;
}

/**
 * Finds an image among the entries by a path written in a caption file: exact, relative to that file, then by its
 * tail or its name, where those name one file only. Indexed by name, so a table of N rows costs O(N), not O(N²).
 */
export function makeResolver(images: string[]) {
  const exact = new Set(images);
  const byName = new Map<string, string[]>();
  for (const p of images) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    const list = byName.get(name);
    if (list) list.push(p);
    else byName.set(name, [p]);
  }
  return (written: string, relativeTo: string): Resolved => {
    const w = normalisePath(written.trim());
    if (exact.has(w)) return { image: w };
    const dir = relativeTo.includes('/') ? relativeTo.slice(0, relativeTo.lastIndexOf('/') + 1) : '';
    if (exact.has(dir + w)) return { image: dir + w };
    const same = byName.get(w.slice(w.lastIndexOf('/') + 1)) ?? [];
    const tail = w.includes('/') ? same.filter((p) => p.endsWith(`/${w}`)) : same;
    if (tail.length === 1) return { image: tail[0] };
    if (tail.length > 1) return { ambiguous: tail };
    return { missing: true };
  };
}
