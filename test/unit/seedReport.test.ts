import { describe, expect, it } from 'vitest';
import { summariseSeeds } from '../../src/core/seedSummary';
import { formatSummary, formatValue, pairedSentence } from '../../src/ui/seedReport';
import { describeSeeds, reduceSeeds, seedProgress } from '../../src/ui/seedsView';
import { describeStatus } from '../../src/ui/StatusLine';
import { INITIAL_VIEW, reduceEvent } from '../../src/ui/trainingView';

/** Final k-NN of X-Sample and CLIP on each seed (and graph ρ), as the worker reports them. */
const seedRun = (seed: number, clip: number, xs: number, rhoClip = 0.1, rhoXs = 0.1) => ({
  seed,
  results: [
    { objective: 'clip', final: { knnTop1: clip, graphSpearman: rhoClip } },
    { objective: 'xsample', final: { knnTop1: xs, graphSpearman: rhoXs } },
  ],
});

describe('the paired difference in a sentence', () => {
  it('says how much higher, the 95% interval and that it is significant when the interval excludes 0', () => {
    // Differences 0.02, 0.03, 0.02: mean 0.02333, sd 0.005774, t(0.975, 2) = 4.3027 -> 0.0233 ± 0.0143.
    const s = summariseSeeds([seedRun(0, 0.72, 0.74), seedRun(1, 0.74, 0.77), seedRun(2, 0.73, 0.75)] as never, ['clip', 'xsample']);
    expect(pairedSentence(s, 'knnTop1')).toBe(
      "X-Sample's k-NN top-1 (backbone) is 2.3 points higher than CLIP's (95% CI 0.9 to 3.8): significant over 3 seeds (the interval excludes 0).",
    );
  });

  it('says not significant, with a negative lower bound, when the interval includes 0; lower, for a negative difference', () => {
    // Differences 0.01, 0.021, 0.032: mean 0.021, sd 0.011 -> 0.021 ± 0.0273.
    const s = summariseSeeds([seedRun(0, 0.7, 0.71, 0.3, 0.2), seedRun(1, 0.7, 0.721, 0.3, 0.25), seedRun(2, 0.7, 0.732, 0.3, 0.22)] as never, ['clip', 'xsample']);
    expect(pairedSentence(s, 'knnTop1')).toBe(
      "X-Sample's k-NN top-1 (backbone) is 2.1 points higher than CLIP's (95% CI −0.6 to 4.8): not significant over 3 seeds (the interval includes 0).",
    );
    // graph ρ: not a percentage, three decimals.
    expect(pairedSentence(s, 'graphSpearman')).toMatch(/^X-Sample's graph ρ is 0\.077 lower than CLIP's \(95% CI −0\.139 to −0\.014\): significant over 3 seeds/);
    expect(pairedSentence(s, 'heldOutLoss')).toBeUndefined(); // two different losses are never paired
  });

  it('calls a difference that every seed gave exactly no test, not significant', () => {
    // 1/3 − 0.35 and 0.2 − 0.21666… are the same difference up to the last bit or so.
    const s = summariseSeeds([seedRun(0, 0.35, 1 / 3), seedRun(1, 0.21666666666666667, 0.2), seedRun(2, 0.5, 0.48333333333333334)] as never, ['clip', 'xsample']);
    expect(s.paired!.byMetric.knnTop1.sd).toBeLessThan(1e-15);
    expect(pairedSentence(s, 'knnTop1')).toBe(
      "X-Sample's k-NN top-1 (backbone) is 1.7 points lower than CLIP's (95% CI −1.7 to −1.7): every one of the 3 seeds gave exactly this difference, so the interval has no width and is no test; more seeds, or more held-out images, would tell.",
    );
  });

  it('gives no interval from one seed', () => {
    const s = summariseSeeds([seedRun(3, 0.5, 0.52)] as never, ['clip', 'xsample']);
    expect(pairedSentence(s, 'knnTop1')).toBe("X-Sample's k-NN top-1 (backbone) is 2.0 points higher than CLIP's on the one seed with both runs finished: an interval needs two seeds or more.");
    expect(formatSummary(s.byObjective.clip.knnTop1, true)).toEqual({ mean: '50.0', ci: '' });
  });

  it('formats cells as mean ± sd with the interval, accuracies in %', () => {
    expect(formatSummary({ n: 3, mean: 0.7533, sd: 0.0153, ci: [0.7154, 0.7913] }, true)).toEqual({ mean: '75.3 ± 1.5', ci: '[71.5, 79.1]' });
    expect(formatSummary({ n: 2, mean: -0.01, sd: 0.02, ci: [-0.19, 0.17] }, false)).toEqual({ mean: '−0.010 ± 0.020', ci: '[−0.190, 0.170]' });
    expect(formatSummary(undefined, true)).toEqual({ mean: '–', ci: '' });
    expect(formatValue(-0.00001, true)).toBe('0.0');
  });
});

describe('the repeat on the page', () => {
  it('folds the worker’s updates and says where it is in the status line', () => {
    let s = reduceSeeds(undefined, { kind: 'step', seed: 0, objective: 'clip', step: 1, loss: 1 });
    expect(s).toBeUndefined(); // nothing before a begin
    s = reduceSeeds(s, { kind: 'begin', seeds: [0, 1, 2], objectives: ['clip', 'xsample'], totalSteps: 300, dataset: 'emoji' });
    s = reduceSeeds(s, { kind: 'seed-done', run: { seed: 0, results: [] } });
    s = reduceSeeds(s, { kind: 'step', seed: 1, objective: 'clip', step: 120, loss: 2.5 });
    expect(seedProgress(s!)).toBe('seed 2 of 3 · CLIP step 120/300');
    expect(s!.losses[1].clip).toEqual({ step: [120], loss: [2.5] });
    expect(s!.finished).toHaveLength(1);

    let view = reduceEvent(INITIAL_VIEW, { type: 'dataset', summary: { name: 'emoji' } as never });
    view = reduceEvent(view, { type: 'seeds', update: { kind: 'begin', seeds: [0, 1, 2], objectives: ['clip', 'xsample'], totalSteps: 300, dataset: 'emoji' } });
    view = reduceEvent(view, { type: 'seeds', update: { kind: 'step', seed: 1, objective: 'clip', step: 120, loss: 2.5 } });
    expect(describeStatus(view, true)).toBe('Repeating CLIP and X-Sample with 3 seeds: seed 2 of 3 · CLIP step 120/300');
    view = reduceEvent(view, { type: 'seeds', update: { kind: 'state', state: 'paused' } });
    expect(describeStatus(view, true)).toBe('Repeat with 3 seeds paused at seed 2 of 3 · CLIP step 120/300. Resume goes on from here.');
    expect(describeSeeds(view.seeds!)).toBe(describeStatus(view, true));
    view = reduceEvent(view, { type: 'seeds', update: { kind: 'state', state: 'failed', message: 'seed 1 failed: out of memory' } });
    expect(view.errors).toEqual(['seed 1 failed: out of memory']);
    expect(describeStatus(view, true)).toMatch(/^Ready with emoji/);
    // Other data: the repeat of the old one goes.
    view = reduceEvent(view, { type: 'dataset', summary: { name: 'mine', size: 9 } as never });
    expect(view.seeds).toBeUndefined();
  });
});
