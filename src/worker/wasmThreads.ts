/**
 * How many threads the WASM backend trains on, on a machine with `cores` logical cores (navigator.hardwareConcurrency):
 * one core is left to the page (its main thread draws the charts, the UMAP worker projects) from 3 cores up; on 2
 * cores both train, as the page's main thread mostly waits between redraws. At most 8: tfjs-backend-wasm starts a pool
 * of 8 pthread workers up front, and a larger count would have to start workers while the training thread waits.
 * Only where the page is cross-origin isolated: elsewhere there is no SharedArrayBuffer and the count is 1.
 */
export function wasmThreadsFor(cores: number): number {
  const n = Number.isFinite(cores) && cores > 0 ? Math.floor(cores) : 1;
  return Math.max(1, Math.min(8, n <= 2 ? n : n - 1));
}

/** The notice for a page that is not cross-origin isolated, where `threads` would be possible with the headers. */
export function isolationNotice(threads: number): string {
  return (
    `WASM on 1 thread: the page is not cross-origin isolated, so it has no SharedArrayBuffer. ` +
    `Serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp ` +
    `(README, "Hosting") to train on ${threads} threads`
  );
}
