import type { ObjectiveName } from '../core/config';
import { objectiveSpec } from '../core/registry';
import { meanAndSd } from '../core/stats';
import type { SeedsView } from './seedsView';

/** A curve over training steps (steps increasing). */
export interface StepCurve {
  step: ArrayLike<number>;
  value: ArrayLike<number>;
}

/** Per step, over the seeds that reached it: how many, their mean, sample sd, min and max. */
export interface Band {
  step: number[];
  n: number[];
  mean: number[];
  sd: number[];
  min: number[];
  max: number[];
}

/**
 * The band of several seeds' curves, aligned by step: at each step that at least `minSeeds` curves reached (with a
 * finite value), the mean, sample standard deviation, min and max of their values. Steps in increasing order.
 */
export function seedBand(curves: StepCurve[], minSeeds = 2): Band {
  const at = new Map<number, number[]>();
  for (const c of curves)
    for (let i = 0; i < c.step.length; i++) {
      const v = c.value[i];
      if (!Number.isFinite(v)) continue;
      const list = at.get(c.step[i]);
      if (list) list.push(v);
      else at.set(c.step[i], [v]);
    }
  const band: Band = { step: [], n: [], mean: [], sd: [], min: [], max: [] };
  for (const step of [...at.keys()].sort((a, b) => a - b)) {
    const values = at.get(step)!;
    if (values.length < minSeeds) continue;
    const { n, mean, sd } = meanAndSd(values);
    band.step.push(step);
    band.n.push(n);
    band.mean.push(mean);
    band.sd.push(sd);
    band.min.push(Math.min(...values));
    band.max.push(Math.max(...values));
  }
  return band;
}

/** Every `stride`-th point of the band (and its last), so that at most about `maxPoints` are drawn. */
export function thinBand(band: Band, maxPoints: number): Band {
  const len = band.step.length;
  if (len <= maxPoints) return band;
  const stride = Math.ceil(len / maxPoints);
  const keep = (i: number) => i % stride === 0 || i === len - 1;
  const pick = (a: number[]) => a.filter((_, i) => keep(i));
  return { step: pick(band.step), n: pick(band.n), mean: pick(band.mean), sd: pick(band.sd), min: pick(band.min), max: pick(band.max) };
}

/** '#1f77b4' as 'rgba(31, 119, 180, a)'. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`;
}

/**
 * Plotly traces of one objective's band: its lower edge (min), its upper edge (max) filled down to the lower, and the
 * mean over seeds as a dashed line; `extra` is merged into each (an axis, say).
 */
export function bandTraces(band: Band, objective: ObjectiveName, what: string, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const { colour, label } = objectiveSpec(objective);
  const edge = { type: 'scatter', mode: 'lines', x: band.step, line: { width: 0, color: colour }, hoverinfo: 'skip', showlegend: false, ...extra };
  return [
    { ...edge, name: `${label} ${what} seed min`, y: band.min },
    { ...edge, name: `${label} ${what} seed max`, y: band.max, fill: 'tonexty', fillcolor: withAlpha(colour, 0.2) },
    {
      type: 'scatter',
      mode: 'lines',
      name: `${label} ${what} mean over seeds`,
      x: band.step,
      y: band.mean,
      line: { color: colour, width: 1.5, dash: 'dash' },
      ...extra,
    },
  ];
}

/** At most this many points per band. */
const MAX_BAND_POINTS = 800;

/**
 * The loss chart's bands: per objective of the repeat (unless hidden), the training loss of every seed (each passed
 * through `transform` first: the chart's smoothing), banded min–max with the mean over seeds.
 */
export function seedLossTraces(
  seeds: SeedsView | undefined,
  hidden: ObjectiveName[],
  transform: (y: number[]) => number[] = (y) => y,
  extra: (o: ObjectiveName) => Record<string, unknown> = () => ({}),
): Record<string, unknown>[] {
  if (!seeds) return [];
  return seeds.objectives
    .filter((o) => !hidden.includes(o))
    .flatMap((o) => {
      const curves = seeds.seeds.flatMap((seed) => {
        const c = seeds.losses[seed]?.[o];
        return c ? [{ step: c.step, value: transform(c.loss) }] : [];
      });
      const band = thinBand(seedBand(curves), MAX_BAND_POINTS);
      return band.step.length > 0 ? bandTraces(band, o, 'train', extra(o)) : [];
    });
}

/** The sentence under the loss chart when it shows bands: what the shading is, over how many seeds. */
export function bandNote(seeds: SeedsView | undefined): string | undefined {
  if (!seeds) return undefined;
  const reached = seeds.seeds.filter((s) => Object.values(seeds.losses[s] ?? {}).some((c) => c && c.step.length > 0));
  if (reached.length < 2) return undefined;
  return (
    `Shaded: the lowest to the highest training loss over ${reached.length} seeds (${reached.join(', ')}) at each step, ` +
    'from "Repeat with seeds"; dashed: their mean. The solid line is the run on screen.'
  );
}
