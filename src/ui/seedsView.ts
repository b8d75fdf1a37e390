import { objectiveSpec } from '../core/registry';
import type { EvalMetrics, ObjectiveName, SeedRepeatState, SeedRepeatUpdate, SeedRunResult } from '../worker/protocol';

/** One run's training loss on one seed, column by column. */
export interface SeedCurve {
  step: number[];
  loss: number[];
}

/** What the page shows of a "Repeat with n seeds": folded from the worker's `seeds` updates (reduceSeeds). */
export interface SeedsView {
  seeds: number[];
  objectives: ObjectiveName[];
  totalSteps: number;
  dataset: string;
  state: SeedRepeatState;
  /** Why it failed. */
  message?: string;
  /** The run that trained last: its seed, objective and step. */
  at?: { seed: number; objective: ObjectiveName; step: number };
  /** Per seed and objective, the training loss and the evaluations so far. */
  losses: Record<number, Partial<Record<ObjectiveName, SeedCurve>>>;
  metrics: Record<number, Partial<Record<ObjectiveName, EvalMetrics[]>>>;
  /** The seeds finished, in order, with every objective's final metrics. */
  finished: SeedRunResult[];
  /** Bumps whenever a curve changes. */
  version: number;
}

/** The view after one update of the repeat (a pure function; updates before a `begin` are ignored). */
export function reduceSeeds(s: SeedsView | undefined, u: SeedRepeatUpdate): SeedsView | undefined {
  if (u.kind === 'begin')
    return { seeds: u.seeds, objectives: u.objectives, totalSteps: u.totalSteps, dataset: u.dataset, state: 'running', losses: {}, metrics: {}, finished: [], version: 0 };
  if (!s) return s;
  switch (u.kind) {
    case 'step': {
      const old = s.losses[u.seed]?.[u.objective] ?? { step: [], loss: [] };
      const curve = { step: [...old.step, u.step], loss: [...old.loss, u.loss] };
      return {
        ...s,
        at: { seed: u.seed, objective: u.objective, step: u.step },
        losses: { ...s.losses, [u.seed]: { ...s.losses[u.seed], [u.objective]: curve } },
        version: s.version + 1,
      };
    }
    case 'metrics': {
      const list = [...(s.metrics[u.seed]?.[u.objective] ?? []), u.metrics];
      return { ...s, metrics: { ...s.metrics, [u.seed]: { ...s.metrics[u.seed], [u.objective]: list } }, version: s.version + 1 };
    }
    case 'seed-done':
      return { ...s, finished: [...s.finished, u.run] };
    case 'state':
      return { ...s, state: u.state, message: u.message };
  }
}

/** A repeat that has begun and not ended: it holds the status line. */
export function repeating(s: SeedsView | undefined): boolean {
  return s?.state === 'running' || s?.state === 'paused';
}

/** "seed 2 of 3 · CLIP step 120/300": where the repeat is. */
export function seedProgress(s: SeedsView): string {
  const seedNo = s.at ? s.seeds.indexOf(s.at.seed) + 1 : s.finished.length + 1;
  const of = `seed ${Math.min(seedNo, s.seeds.length)} of ${s.seeds.length}`;
  return s.at ? `${of} · ${objectiveSpec(s.at.objective).label} step ${s.at.step}/${s.totalSteps}` : of;
}

/** The status line while a repeat is running or paused. */
export function describeSeeds(s: SeedsView, backend = ''): string {
  const runs = s.objectives.map((o) => objectiveSpec(o).label).join(' and ');
  if (s.state === 'paused') return `Repeat with ${s.seeds.length} seeds paused at ${seedProgress(s)}. Resume goes on from here.`;
  return `Repeating ${runs} with ${s.seeds.length} seeds${backend}: ${seedProgress(s)}`;
}
