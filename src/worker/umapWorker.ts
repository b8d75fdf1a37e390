/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { UMAP } from 'umap-js';
import { Rng } from '../core/rng';
import type { UmapApi } from './protocol';

// UMAP off the main thread; the page starts it through client.ts (startUmapWorker).
const api: UmapApi = {
  async run(vectors, dim, seed, onProgress) {
    const n = vectors.length / dim;
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from(vectors.subarray(i * dim, (i + 1) * dim)));
    const rng = new Rng(seed);
    const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, Math.max(2, n - 1)), minDist: 0.1, random: () => rng.next() });
    const epochs = umap.initializeFit(rows);
    for (let e = 0; e < epochs; e++) {
      umap.step();
      if (e % 10 === 0 || e === epochs - 1) onProgress(e + 1, epochs);
    }
    const out = new Float32Array(n * 2);
    umap.getEmbedding().forEach((p, i) => {
      out[i * 2] = p[0];
      out[i * 2 + 1] = p[1];
    });
    return Comlink.transfer(out, [out.buffer]);
  },
};
Comlink.expose(api);
