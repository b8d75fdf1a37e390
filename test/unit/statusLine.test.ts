import { describe, expect, it } from 'vitest';
import { describeStatus, statusPhase } from '../../src/ui/StatusLine';
import { INITIAL_VIEW, reduceEvent, type TrainingView } from '../../src/ui/trainingView';
import type { DatasetSummary, TrainEvent } from '../../src/worker/protocol';

const dataset: DatasetSummary = { name: 'shapes', size: 600, trainSize: 480, heldOutSize: 120, imageSize: 32, labels: 5, graph: 'TF-IDF', format: 'generated', heldOutBy: 'seeded 20%' };
const fold = (events: TrainEvent[], from: TrainingView = INITIAL_VIEW) => events.reduce(reduceEvent, from);

describe('the status line names the phase', () => {
  const base: TrainEvent[] = [
    { type: 'backend', info: { requested: 'wasm', active: 'wasm', adapter: 'SIMD' } },
    { type: 'dataset', summary: dataset },
    { type: 'runs', objectives: ['clip', 'xsample'], params: { clip: 5, xsample: 3 } },
    { type: 'state', state: 'running', step: 20, totalSteps: 40 },
  ];

  it('starting, loading, encoding, training', () => {
    expect(statusPhase(INITIAL_VIEW, false)).toBe('starting');
    expect(describeStatus(INITIAL_VIEW, false)).toMatch(/^Starting the training worker/);
    const loading = { ...INITIAL_VIEW, loading: true, loadProgress: { phase: 'decoding' as const, done: 10, total: 3174, filesPerSec: 100, etaSec: 30 } };
    expect(statusPhase(loading, true)).toBe('loading');
    expect(describeStatus(loading, true, undefined, 'the demo set')).toBe('Loading the demo set: decoding images 10 / 3,174 (about 30 s left)');
    const encoding = fold([{ type: 'dataset', summary: dataset }, { type: 'graph-progress', done: 5, total: 50, cached: 0 }]);
    expect(statusPhase(encoding, true)).toBe('encoding');
    expect(describeStatus(encoding, true)).toMatch(/^Encoding the captions .*5 \/ 50/);
    const training = fold(base);
    expect(statusPhase(training, true)).toBe('training');
    expect(describeStatus(training, true, 75)).toBe('Training CLIP and X-Sample on WebAssembly: step 20 of 40 · about 1 min 15 s left');
  });

  it('evaluating: from the worker’s evaluating event until its end, with the time left', () => {
    const evaluating = fold([...base, { type: 'evaluating', objective: 'clip', step: 20, done: false }]);
    expect(evaluating.evaluating).toEqual({ objective: 'clip', step: 20 });
    expect(statusPhase(evaluating, true)).toBe('evaluating');
    const text = describeStatus(evaluating, true, 75);
    expect(text).toMatch(/^Evaluating CLIP at step 20 on the held-out images/);
    expect(text).toMatch(/step 20 of 40 · about 1 min 15 s left$/);
    const after = reduceEvent(evaluating, { type: 'evaluating', objective: 'clip', step: 20, done: true });
    expect(after.evaluating).toBeUndefined();
    expect(statusPhase(after, true)).toBe('training');
    // An evaluation outside training (an imported run): the sentence ends there.
    const paused = fold([{ type: 'state', state: 'paused', step: 20, totalSteps: 40 }, { type: 'evaluating', objective: 'xsample', step: 20, done: false }], fold(base));
    expect(describeStatus(paused, true)).toMatch(/^Evaluating X-Sample at step 20 .*…$/);
  });
});
