// Sums a tf.profile() step's kernels by name, for the Node bench (bench/nodeStep.ts).

export interface KernelTotal {
  name: string;
  calls: number;
  /** Total kernel time in ms, or null where the backend cannot time kernels. */
  ms: number | null;
}

/** tf.profile awaits each kernel's time itself in tfjs 4.22; a time that is still a promise is awaited here. */
export async function settleKernelTimes<K extends { name: string; kernelTimeMs: unknown }>(kernels: K[]): Promise<{ name: string; kernelTimeMs: unknown }[]> {
  return Promise.all(kernels.map(async (k) => ({ name: k.name, kernelTimeMs: await k.kernelTimeMs })));
}

/** A profiled kernel's time: a number, or an error object (WebGL without timer queries): null where there is no number. */
export function kernelMs(k: { kernelTimeMs: unknown }): number | null {
  const v = k.kernelTimeMs;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function topKernels(kernels: { name: string; kernelTimeMs: unknown }[], timed: boolean, top: number): KernelTotal[] {
  const byName = new Map<string, KernelTotal>();
  for (const k of kernels) {
    const t = byName.get(k.name) ?? { name: k.name, calls: 0, ms: timed ? 0 : null };
    t.calls += 1;
    const ms = kernelMs(k);
    t.ms = t.ms === null || ms === null ? null : t.ms + ms;
    byName.set(k.name, t);
  }
  return [...byName.values()].sort((a, b) => (b.ms ?? -1) - (a.ms ?? -1) || b.calls - a.calls).slice(0, top);
}

