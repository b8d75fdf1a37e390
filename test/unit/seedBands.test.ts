import { describe, expect, it } from 'vitest';
import { bandNote, bandTraces, seedBand, seedLossTraces, thinBand, withAlpha } from '../../src/ui/seedBands';
import { reduceSeeds, type SeedsView } from '../../src/ui/seedsView';

describe('the band of several seeds’ curves', () => {
  it('gives per step the count, mean, sample sd, min and max over the seeds that reached it', () => {
    const band = seedBand([
      { step: [1, 2, 3], value: [1, 2, 3] },
      { step: [1, 2, 3], value: [3, 4, 5] },
      { step: [1, 2], value: [2, 6] }, // a seed still training
    ]);
    expect(band.step).toEqual([1, 2, 3]);
    expect(band.n).toEqual([3, 3, 2]);
    expect(band.mean).toEqual([2, 4, 4]);
    expect(band.sd[0]).toBeCloseTo(1, 12);
    expect(band.sd[1]).toBeCloseTo(2, 12);
    expect(band.sd[2]).toBeCloseTo(Math.SQRT2, 12);
    expect(band.min).toEqual([1, 2, 3]);
    expect(band.max).toEqual([3, 6, 5]);
  });

  it('aligns by step, not by position, leaves out non-finite values and steps fewer than minSeeds reached', () => {
    const band = seedBand([
      { step: [2, 4, 6], value: [10, 20, NaN] },
      { step: [4, 6, 8], value: [40, 60, 80] },
    ]);
    expect(band.step).toEqual([4]);
    expect(band.mean).toEqual([30]);
    expect(seedBand([{ step: [1], value: [5] }], 1)).toMatchObject({ step: [1], n: [1], mean: [5], min: [5], max: [5] });
    expect(Number.isNaN(seedBand([{ step: [1], value: [5] }], 1).sd[0])).toBe(true);
    expect(seedBand([]).step).toEqual([]);
  });

  it('is thinned to about maxPoints, keeping the first and the last step', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => i + 1);
    const band = seedBand([
      { step: steps, value: steps },
      { step: steps, value: steps.map((s) => s + 2) },
    ]);
    const thin = thinBand(band, 100);
    expect(thin.step.length).toBeLessThanOrEqual(101);
    expect(thin.step[0]).toBe(1);
    expect(thin.step[thin.step.length - 1]).toBe(1000);
    expect(thin.mean[thin.step.indexOf(11)]).toBe(12);
    expect(thinBand(band, 5000)).toBe(band);
  });

  it('draws as a lower edge, an upper edge filled down to it, and the dashed mean, in the objective’s colour', () => {
    const band = seedBand([
      { step: [1, 2], value: [1, 2] },
      { step: [1, 2], value: [3, 4] },
    ]);
    const [lo, hi, mean] = bandTraces(band, 'clip', 'train');
    expect(lo).toMatchObject({ y: [1, 2], showlegend: false });
    expect(lo.fill).toBeUndefined();
    expect(hi).toMatchObject({ y: [3, 4], fill: 'tonexty', fillcolor: 'rgba(31, 119, 180, 0.2)' });
    expect(mean).toMatchObject({ x: [1, 2], y: [2, 3], name: 'CLIP train mean over seeds', line: { dash: 'dash', color: '#1f77b4' } });
    expect(withAlpha('#d62728', 0.5)).toBe('rgba(214, 39, 40, 0.5)');
  });
});

/** A repeat of 3 seeds over clip and xsample, with the given losses per seed (clip, xsample: one value per step). */
function repeat(losses: Record<number, [number[], number[]]>): SeedsView {
  let s = reduceSeeds(undefined, { kind: 'begin', seeds: [4, 5, 6], objectives: ['clip', 'xsample'], totalSteps: 3, dataset: 'shapes' });
  for (const [seed, [clip, xs]] of Object.entries(losses))
    for (let i = 0; i < clip.length; i++) {
      s = reduceSeeds(s, { kind: 'step', seed: Number(seed), objective: 'clip', step: i + 1, loss: clip[i] });
      s = reduceSeeds(s, { kind: 'step', seed: Number(seed), objective: 'xsample', step: i + 1, loss: xs[i] });
    }
  return s!;
}

describe('the loss chart’s bands over seeds', () => {
  it('band every objective of the repeat over the seeds that reached a step, after the chart’s smoothing', () => {
    const s = repeat({ 4: [[3, 2, 1], [6, 5, 4]], 5: [[5, 4, 3], [8, 7, 6]], 6: [[4], [7]] });
    const traces = seedLossTraces(s, []);
    expect(traces.map((t) => t.name)).toEqual([
      'CLIP train seed min',
      'CLIP train seed max',
      'CLIP train mean over seeds',
      'X-Sample train seed min',
      'X-Sample train seed max',
      'X-Sample train mean over seeds',
    ]);
    expect(traces[2]).toMatchObject({ x: [1, 2, 3], y: [4, 3, 2] });
    expect(traces[5]).toMatchObject({ y: [7, 6, 5] });
    const hidden = seedLossTraces(s, ['clip'], (y) => y.map((v) => v * 10));
    expect(hidden.map((t) => t.name)).toEqual(['X-Sample train seed min', 'X-Sample train seed max', 'X-Sample train mean over seeds']);
    expect(hidden[0].y).toEqual([60, 50, 40]);
    expect(seedLossTraces(undefined, [])).toEqual([]);
  });

  it('say what the shading is once two seeds have curves, and nothing before', () => {
    expect(bandNote(repeat({ 4: [[3], [6]] }))).toBeUndefined();
    expect(bandNote(repeat({ 4: [[3], [6]], 5: [[2], [5]] }))).toBe(
      'Shaded: the lowest to the highest training loss over 2 seeds (4, 5) at each step, from "Repeat with seeds"; dashed: their mean. The solid line is the run on screen.',
    );
  });
});
