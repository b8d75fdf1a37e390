import type { EvalMetrics } from './evaluate';
import { pairedDifference, type SeedSummary, summarise } from './stats';

/** The metrics summarised over seeds, in the order they are shown. */
export const SEED_METRICS: { key: string; label: string; percent: boolean; paired?: false; get: (m: Partial<EvalMetrics>) => number | undefined }[] = [
  { key: 'knnTop1', label: 'k-NN top-1 (backbone)', percent: true, get: (m) => m.knnTop1 },
  { key: 'linearProbeTop1', label: 'linear probe (backbone)', percent: true, get: (m) => m.linearProbeTop1 },
  { key: 'knnTop1Projected', label: 'k-NN top-1 (projection)', percent: true, get: (m) => m.knnTop1Projected },
  { key: 'linearProbeTop1Projected', label: 'linear probe (projection)', percent: true, get: (m) => m.linearProbeTop1Projected },
  { key: 'graphSpearman', label: 'graph ρ', percent: false, get: (m) => m.graphSpearman },
  // Each objective's own loss: not comparable across objectives, so never paired.
  { key: 'heldOutLoss', label: 'held-out loss', percent: false, paired: false, get: (m) => m.heldOutLoss },
  { key: 'i2tR1', label: 'R@1 image→text', percent: true, get: (m) => m.retrieval?.imageToText.r1 },
  { key: 't2iR1', label: 'R@1 text→image', percent: true, get: (m) => m.retrieval?.textToImage.r1 },
];

export interface SeedRun {
  seed: number;
  results: { objective: string; final?: Partial<EvalMetrics> }[];
}

export interface SeedsSummary {
  seeds: number[];
  objectives: string[];
  metrics: { key: string; label: string; percent: boolean }[];
  /** Per objective and metric key, over seeds (metrics an objective never has, such as retrieval for X-Sample, are absent). */
  byObjective: Record<string, Record<string, SeedSummary>>;
  /** X-Sample − CLIP (else the first two objectives) per comparable metric, paired by seed. */
  paired?: { a: string; b: string; byMetric: Record<string, SeedSummary & { significant: boolean }> };
}

/** Final metrics of every objective over every seed: mean, sd and 95% t-interval, and the paired difference. */
export function summariseSeeds(runs: SeedRun[], objectives: string[]): SeedsSummary {
  const value = (run: SeedRun, o: string, get: (m: Partial<EvalMetrics>) => number | undefined) => {
    const m = run.results.find((r) => r.objective === o)?.final;
    const v = m ? get(m) : undefined;
    return v === undefined ? NaN : v;
  };
  const byObjective: SeedsSummary['byObjective'] = {};
  for (const o of objectives) {
    byObjective[o] = {};
    for (const m of SEED_METRICS) {
      const s = summarise(runs.map((r) => value(r, o, m.get)));
      if (s.n > 0) byObjective[o][m.key] = s;
    }
  }
  let paired: SeedsSummary['paired'];
  if (objectives.length >= 2) {
    const a = objectives.includes('xsample') ? 'xsample' : objectives[0];
    const b = objectives.includes('clip') && a !== 'clip' ? 'clip' : objectives.find((o) => o !== a)!;
    const byMetric: Record<string, SeedSummary & { significant: boolean }> = {};
    for (const m of SEED_METRICS) {
      if (m.paired === false) continue;
      const d = pairedDifference(runs.map((r) => value(r, a, m.get)), runs.map((r) => value(r, b, m.get)));
      if (d.n > 0) byMetric[m.key] = d;
    }
    paired = { a, b, byMetric };
  }
  return { seeds: runs.map((r) => r.seed), objectives, metrics: SEED_METRICS.map(({ key, label, percent }) => ({ key, label, percent })), byObjective, paired };
}
