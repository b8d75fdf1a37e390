import { describe, expect, it } from 'vitest';
import { decimate, niceRange, stableRange, stableSymmetricRange, stepRange } from '../../src/ui/chartRange';

describe('chart ranges', () => {
  it('pads and rounds a range outwards to nice steps', () => {
    expect(niceRange(0.43, 2.31)).toEqual([0.3, 2.5]);
    expect(niceRange(0, 80)).toEqual([0, 85]); // not below 0 when no value is
    expect(niceRange(-1, 1)).toEqual([-1.1, 1.1]);
    const [lo, hi] = niceRange(1e-4, 3e-3);
    expect(lo).toBeLessThanOrEqual(1e-4);
    expect(hi).toBeGreaterThanOrEqual(3e-3);
    expect(hi - lo).toBeLessThan(4e-3);
    // A flat line still gets a range around its value.
    const [a, b] = niceRange(5, 5);
    expect(a).toBeLessThan(5);
    expect(b).toBeGreaterThan(5);
  });

  it('keeps the previous range while the data fills it, and moves when it leaves or shrinks', () => {
    const first = stableRange([2.1, 3.9]);
    expect(first[0]).toBeLessThanOrEqual(2.1);
    expect(first[1]).toBeGreaterThanOrEqual(3.9);
    // A loss going down a little: same range object, so the chart's layout does not change.
    expect(stableRange([2.0, 3.9], first)).toBe(first);
    // Below the range: a new one that holds the new value.
    const lower = stableRange([0.5, 3.9], first);
    expect(lower).not.toBe(first);
    expect(lower[0]).toBeLessThanOrEqual(0.5);
    // Data using under 40% of the range: a tighter one.
    const tight = stableRange([3.5, 3.6], lower);
    expect(tight[1] - tight[0]).toBeLessThan(1);
    expect(tight[0]).toBeLessThanOrEqual(3.5);
    expect(tight[1]).toBeGreaterThanOrEqual(3.6);
  });

  it('ignores non-finite values and falls back without data', () => {
    expect(stableRange([NaN, Infinity, -Infinity])).toEqual([0, 1]);
    const prev: [number, number] = [1, 2];
    expect(stableRange([], prev)).toBe(prev);
    const r = stableRange([1, NaN, 3]);
    expect(r[0]).toBeLessThanOrEqual(1);
    expect(r[1]).toBeGreaterThanOrEqual(3);
  });

  it('gives projections a range symmetric about zero that holds every point', () => {
    const [lo, hi] = stableSymmetricRange([-0.3, 1.7, 0.2]);
    expect(lo).toBe(-hi);
    expect(hi).toBeGreaterThanOrEqual(1.7);
    expect(hi).toBeLessThan(2.5);
  });

  it('spans the whole run on the step axis', () => {
    expect(stepRange(300, 12)).toEqual([0, 300]);
    expect(stepRange(300, 450)).toEqual([0, 450]); // a resumed run may go past the configured steps
    expect(stepRange(0, 0)).toEqual([0, 1]);
  });
});

describe('decimate', () => {
  it('returns short lines as they are', () => {
    expect(decimate([1, 2, 3], [4, 5, 6], 10)).toEqual({ x: [1, 2, 3], y: [4, 5, 6] });
  });

  it('keeps at most the budget, in step order, with every bucket extreme (spikes survive)', () => {
    const n = 10_000;
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const y = x.map((i) => Math.exp(-i / 2000) + (i === 7777 ? 5 : 0) - (i === 4242 ? 3 : 0));
    const d = decimate(x, y, 800);
    expect(d.x.length).toBeLessThanOrEqual(800);
    expect(d.x.length).toBeGreaterThan(400);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]).toBeGreaterThan(d.x[i - 1]);
    expect(d.x).toContain(7777);
    expect(d.x).toContain(4242);
    expect(Math.max(...d.y)).toBe(Math.max(...y));
    expect(Math.min(...d.y)).toBe(Math.min(...y));
    expect(d.x[0]).toBe(1);
  });
});
