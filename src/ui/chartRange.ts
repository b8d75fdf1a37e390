/**
 * Axis ranges and point budgets for the live charts. Plotly redraws far faster when it need not autorange (no
 * per-point padding pass, no new ticks), so the charts pass ranges they computed here, and keep a range while the
 * data still fills it well, so most redraws move only the traces.
 */

export type Range = [number, number];

/** The smallest "nice" step (1, 2 or 5 times a power of ten) at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * [lo, hi] padded by 5% of the span and rounded outwards to a nice step near a twentieth of the span; never below 0
 * when no value is (losses, rates and temperatures are not negative).
 */
export function niceRange(lo: number, hi: number): Range {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  const span = hi - lo || Math.abs(hi) || 1;
  const step = niceStep(span / 20);
  const round = (v: number) => Number((Math.round(v / step) * step).toPrecision(12));
  const a = round(Math.floor((lo - span * 0.05) / step) * step);
  const b = round(Math.ceil((hi + span * 0.05) / step) * step);
  return [lo >= 0 ? Math.max(0, a) : a, b];
}

/**
 * The range to draw `values` with: `prev` while every value is inside it and they span at least `fill` of it,
 * otherwise a new nice range. Non-finite values are ignored; no finite value gives `prev` or [0, 1].
 */
export function stableRange(values: Iterable<number>, prev?: Range, fill = 0.4): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return prev ?? [0, 1];
  if (prev && lo >= prev[0] && hi <= prev[1] && hi - lo >= fill * (prev[1] - prev[0])) return prev;
  return niceRange(lo, hi);
}

/** A range symmetric about 0 that holds every value (for projections, whose centre is the origin). */
export function stableSymmetricRange(values: Iterable<number>, prev?: Range, fill = 0.5): Range {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  const r = stableRange([-m, m], prev, fill);
  const h = Math.max(-r[0], r[1]);
  return [-h, h];
}

/**
 * At most about `maxPoints` points of a line: the points are split into maxPoints / 2 buckets of consecutive
 * points, and each bucket keeps its lowest and its highest point (in order), so spikes survive. Lines short enough
 * come back as they are (copies).
 */
export function decimate(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= maxPoints) return { x: Array.from({ length: n }, (_, i) => x[i]), y: Array.from({ length: n }, (_, i) => y[i]) };
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const ox: number[] = [];
  const oy: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let iMin = start;
    let iMax = start;
    for (let i = start + 1; i < end; i++) {
      if (y[i] < y[iMin] || Number.isNaN(y[iMin])) iMin = i;
      if (y[i] > y[iMax] || Number.isNaN(y[iMax])) iMax = i;
    }
    for (const i of iMin === iMax ? [iMin] : iMin < iMax ? [iMin, iMax] : [iMax, iMin]) {
      ox.push(x[i]);
      oy.push(y[i]);
    }
  }
  return { x: ox, y: oy };
}

/** The x range of a curve over training steps: the whole run, so the curve grows towards its end. */
export function stepRange(totalSteps: number, lastStep: number): Range {
  return [0, Math.max(1, totalSteps, lastStep)];
}

/**
 * A Plotly axis drawn at a fixed range. Tick labels may overflow the chart's div ('allow'): Plotly otherwise
 * measures every label on every redraw to hide those past the div, a sixth of a redraw's time.
 */
export function fixedAxis(range: Range | number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, range, autorange: false, ticklabeloverflow: 'allow' };
}
