/**
 * How many threads the WASM backend trains on, on a machine with `cores` logical cores (navigator.hardwareConcurrency):
 * automatically one fewer than the cores, so that one core stays with the page (its main thread draws the charts, the
 * UMAP worker projects): on 2 cores training takes 1 and the page stays responsive. `requested` (the `threads`
 * setting, 1 to 8) overrides it. At most 8: tfjs-backend-wasm starts a pool of 8 pthread workers up front, and a larger
 * count would have to start workers while the training thread waits. Only where the page is cross-origin isolated:
 * elsewhere there is no SharedArrayBuffer and the count is 1.
 */
export function wasmThreadsFor(cores: number, requested = 0): number {
  if (Number.isInteger(requested) && requested > 0) return Math.min(8, requested);
  const n = Number.isFinite(cores) && cores > 0 ? Math.floor(cores) : 1;
  return Math.max(1, Math.min(8, n - 1));
}

/** The notice for a page that is not cross-origin isolated, where `threads` would be possible with the headers. */
export function isolationNotice(threads: number): string {
  return (
    `WASM on 1 thread: the page is not cross-origin isolated, so it has no SharedArrayBuffer. ` +
    `Serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp ` +
    `(README, "Hosting") to train on ${threads} threads`
  );
}
