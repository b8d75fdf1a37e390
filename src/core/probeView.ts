import { objectiveSpec } from './registry';
import type { ImageSet } from './dataset';
import { embedSet, embedTexts } from './evaluate';
import type { ContrastiveModel } from './model';
import { type CaptionGraph, softmaxRow } from './captionGraph';

/**
 * What the similarity-graph heatmaps show for a fixed probe batch of held-out samples: the X-Sample target s, each
 * run's learned distribution p, and how far apart they are (mean KL(s‖p) over rows). All (P, P) row-major.
 */

/** Up to `size` held-out samples, ordered by label then caption (or, unlabelled, by a nearest-neighbour chain in G). */
export function probeIndices(set: ImageSet, heldOut: Int32Array, graph: CaptionGraph, size: number): Int32Array {
  const pick = Array.from(heldOut.slice(0, size));
  if (set.labels) {
    const lab = set.labels;
    return Int32Array.from(pick.sort((a, b) => lab[a] - lab[b] || (set.captions[a] < set.captions[b] ? -1 : set.captions[a] > set.captions[b] ? 1 : a - b)));
  }
  const g = graph.batch(pick);
  const P = pick.length;
  const order = [0];
  const used = new Set(order);
  while (order.length < P) {
    const last = order[order.length - 1];
    let best = -1;
    for (let j = 0; j < P; j++) if (!used.has(j) && (best < 0 || g[last * P + j] > g[last * P + best])) best = j;
    order.push(best);
    used.add(best);
  }
  return Int32Array.from(order, (i) => pick[i]);
}

/** s_ab = softmax_{b≠a}(G_ab / τ_s), diagonal 0. */
export function targetDistribution(graph: CaptionGraph, indices: Int32Array, tauS: number): Float32Array {
  return rowSoftmax(graph.batch(indices), indices.length, 1 / tauS, true);
}

/** softmax(scale · row) of each row of the (n, n) matrix m, the diagonal left out (0) if excludeSelf. */
export function rowSoftmax(m: Float32Array, n: number, scale: number, excludeSelf: boolean): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) out.set(softmaxRow(m.subarray(i * n, (i + 1) * n), scale, excludeSelf ? i : -1), i * n);
  return out;
}

/** Mean over rows of KL(s_a ‖ p_a) in nats (terms with s = 0 contribute nothing). */
export function meanKL(s: Float32Array, p: Float32Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const a = s[i * n + j];
      if (a > 0) total += a * Math.log(a / Math.max(p[i * n + j], 1e-12));
    }
  return total / n;
}

/**
 * The learned distribution over the probe batch: image–image softmax at τ (self excluded) for image-only objectives,
 * the image→text softmax at the logit scale t for objectives with a text tower (rows images, columns captions).
 */
export async function learnedDistribution(model: ContrastiveModel, set: ImageSet, indices: Int32Array, logitScale?: number): Promise<Float32Array> {
  const n = indices.length;
  const d = model.cfg.model.projDim;
  const { embeddings } = await embedSet(model, set, indices);
  const textTower = objectiveSpec(model.cfg.objective).textTower;
  const other = textTower ? await embedTexts(model, Array.from(indices, (i) => set.captions[i])) : embeddings;
  const sims = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += embeddings[i * d + k] * other[j * d + k];
      sims[i * n + j] = s;
    }
  return textTower ? rowSoftmax(sims, n, logitScale ?? 1 / 0.07, false) : rowSoftmax(sims, n, 1 / model.cfg.tau, true);
}
