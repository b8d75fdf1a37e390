import { describe, expect, it } from 'vitest';
import { INITIAL_VIEW, reduceEvent, referenceList, type TrainingView } from '../../src/ui/trainingView';
import type { EvalMetrics, RunViz, StepReport, TrainEvent } from '../../src/worker/protocol';

const report = (step: number, logitScale?: number): StepReport => ({
  step,
  epoch: 0,
  loss: 10 - step,
  lr: 0.001,
  ms: 5,
  imagesPerSec: 100,
  scalars: logitScale === undefined ? {} : { logitScale },
});
const memory = { numTensors: 10, numBytes: 1000 };
const step = (objective: 'clip' | 'xsample', s: number): TrainEvent => ({ type: 'step', objective, report: report(s, objective === 'clip' ? 14 : undefined), memory });
const metrics = (s: number): EvalMetrics => ({ step: s, heldOutLoss: 1, graphSpearman: 0, evaluated: 8 });
const viz = (objective: 'clip' | 'xsample', s: number): RunViz => ({ objective, step: s, learned: new Float32Array(1), kind: 'image–image', kl: s, pca: new Float32Array(2), explained: [0.5, 0.2] });
const fold = (events: TrainEvent[], from: TrainingView = INITIAL_VIEW) => events.reduce(reduceEvent, from);

describe('the page view of the worker events', () => {
  const two: TrainEvent[] = [
    { type: 'runs', objectives: ['clip', 'xsample'], params: { clip: 5, xsample: 3 } },
    { type: 'state', state: 'running', step: 0, totalSteps: 10 },
    ...[1, 2, 3].flatMap((s) => [step('clip', s), step('xsample', s)]),
    { type: 'metrics', objective: 'clip', metrics: metrics(3) },
    { type: 'viz', viz: viz('clip', 1) },
    { type: 'viz', viz: viz('clip', 3) },
    { type: 'viz', viz: viz('xsample', 3) },
  ];

  it('appends step reports column by column, bumping the version, and follows the step while running', () => {
    const v = fold(two);
    expect(v.objectives).toEqual(['clip', 'xsample']);
    expect(v.histories.clip).toMatchObject({ step: [1, 2, 3], loss: [9, 8, 7], logitScale: [14, 14, 14] });
    expect(v.histories.xsample).toMatchObject({ step: [1, 2, 3], logitScale: [] });
    expect(v.histories.xsample?.last?.step).toBe(3);
    expect(v.step).toBe(3);
    expect(v.version).toBe(7); // the runs event and six steps
    expect(v.memory).toEqual(memory);
    expect(v.klHistory.clip).toEqual([{ step: 1, kl: 1 }, { step: 3, kl: 3 }]);
  });

  it('is pure: the view it was given is left as it was', () => {
    const before = fold(two);
    const copy = structuredClone(before);
    fold([step('clip', 4), { type: 'run', objective: 'clip', params: 5, step: 1, history: [report(1)], metrics: [], origin: 'browser' }, { type: 'runs', objectives: [], params: {} }], before);
    expect(before).toEqual(copy);
  });

  it('replaces one rebuilt run’s curves, cut at its step, and leaves the other runs’ alone', () => {
    const v = fold([...two, { type: 'run', objective: 'clip', params: 5, step: 2, history: [report(1, 14), report(2, 14)], metrics: [], origin: 'browser' }]);
    expect(v.histories.clip?.step).toEqual([1, 2]);
    expect(v.histories.xsample?.step).toEqual([1, 2, 3]);
    expect(v.metrics.clip).toEqual([]);
    expect(v.klHistory.clip).toEqual([{ step: 1, kl: 1 }]);
    expect(v.viz.clip).toBeUndefined(); // drawn at step 3, after the run's new step
    expect(v.viz.xsample?.step).toBe(3);
    const next = fold([step('clip', 3)], v);
    expect(next.histories.clip?.step).toEqual([1, 2, 3]);
  });

  it('adds an imported run to the runs there are; a runs event starts every curve afresh', () => {
    const v = fold([...two, { type: 'run', objective: 'siglip', params: 7, step: 40, history: [], metrics: [metrics(40)], origin: 'pytorch' }]);
    expect(v.objectives).toEqual(['clip', 'xsample', 'siglip']);
    expect(v.origins).toEqual({ siglip: 'pytorch' }); // the page labels it: trained in PyTorch
    expect(v.params).toEqual({ clip: 5, xsample: 3, siglip: 7 });
    expect(v.histories.clip?.step).toEqual([1, 2, 3]);
    expect(v.metrics.siglip).toEqual([metrics(40)]);
    const fresh = fold([{ type: 'runs', objectives: ['xsample'], params: { xsample: 3 } }], v);
    expect(fresh.objectives).toEqual(['xsample']);
    expect(fresh.histories).toEqual({ xsample: { step: [], loss: [], lr: [], imagesPerSec: [], logitScale: [] } });
    expect(fresh.metrics).toEqual({});
    expect(fresh.viz).toEqual({});
  });

  it('shows an imported run beside the live run of its objective as a reference run, which the live run does not touch', () => {
    const ref: TrainEvent = { type: 'reference', objective: 'clip', origin: 'pytorch', step: 4, history: [report(1), report(2), report(3), report(4)], metrics: [metrics(2), metrics(4)], dataset: 'shapes' };
    const v = fold([...two, ref]);
    expect(v.references.clip).toMatchObject({ origin: 'pytorch', step: 4, history: { step: [1, 2, 3, 4], loss: [9, 8, 7, 6] }, metrics: [metrics(2), metrics(4)], dataset: 'shapes' });
    expect(v.version).toBe(fold(two).version + 1); // the charts redraw
    // The live CLIP run is as it was, and trains on beside it.
    expect(v.objectives).toEqual(['clip', 'xsample']);
    expect(v.origins).toEqual({});
    expect(v.histories.clip?.step).toEqual([1, 2, 3]);
    expect(v.metrics.clip).toEqual([metrics(3)]);
    const later = fold([step('clip', 4), { type: 'metrics', objective: 'clip', metrics: metrics(4) }], v);
    expect(later.histories.clip?.step).toEqual([1, 2, 3, 4]);
    expect(later.references.clip?.history.step).toEqual([1, 2, 3, 4]);
    expect(referenceList(later.references)).toEqual([{ objective: 'clip', label: 'CLIP (trained in PyTorch)' }]);
    // A rebuilt set of runs (reset, new settings) keeps it: it belongs to the data on screen.
    expect(fold([{ type: 'runs', objectives: ['clip'], params: { clip: 5 } }], later).references.clip?.step).toBe(4);
    // Removed (its chip's ×, or trained on from it): gone; removing it again changes nothing.
    const removed = fold([{ type: 'reference-removed', objective: 'clip' }], later);
    expect(removed.references).toEqual({});
    expect(removed.histories.clip?.step).toEqual([1, 2, 3, 4]);
    expect(fold([{ type: 'reference-removed', objective: 'clip' }], removed)).toBe(removed);
  });

  it('drops the reference runs when other data loads, with the runs’ curves', () => {
    const summary = (name: string) => ({ name, size: 40, trainSize: 32, heldOutSize: 8, imageSize: 16, labels: 2, graph: 'TF-IDF', format: 'class-folders' as const, heldOutBy: 'seeded 20%' as const });
    const ref: TrainEvent = { type: 'reference', objective: 'xsample', origin: 'browser', step: 2, history: [report(1), report(2)], metrics: [] };
    const v = fold([{ type: 'dataset', summary: summary('a') }, ...two, ref]);
    expect(referenceList(v.references)).toEqual([{ objective: 'xsample', label: 'X-Sample (imported)' }]);
    expect(fold([{ type: 'dataset', summary: summary('a') }], v).references.xsample?.step).toBe(2); // the same data again
    const other = fold([{ type: 'dataset', summary: summary('b') }], v);
    expect(other.references).toEqual({});
    expect(other.histories).toEqual({});
  });

  it('ignores load progress that arrives after the load ended; keeps the last five errors; passes the worker’s config on', () => {
    const progress: TrainEvent = { type: 'load-progress', progress: { phase: 'decoding', done: 1, total: 2, filesPerSec: 1, etaSec: 1 } };
    expect(fold([progress]).loadProgress).toBeUndefined();
    expect(fold([progress], { ...INITIAL_VIEW, loading: true }).loadProgress).toEqual(progress.progress);
    const errors = fold(Array.from({ length: 7 }, (_, i): TrainEvent => ({ type: 'error', message: `e${i}` })));
    expect(errors.errors).toEqual(['e2', 'e3', 'e4', 'e5', 'e6']);
    const config = fold([{ type: 'config', config: { seed: 3 } as never, objectives: ['clip'] }]);
    expect(config.workerConfig?.objectives).toEqual(['clip']);
    expect(fold([{ type: 'graph-progress', done: 2, total: 2, cached: 0 }]).graphProgress).toBeUndefined();
  });

  it('shows one dataset at a time: other data clears every run, curve, metric and picture of the old one', () => {
    const summary = (name: string, size: number) => ({ name, size, trainSize: size - 2, heldOutSize: 2, imageSize: 16, labels: 0, graph: 'tfidf', format: 'sidecar' as const, heldOutBy: 'seeded 20%' as const });
    const probe = { imageSize: 16, tauS: 0.1, heatmap: { indices: [], ids: [], captions: [], labels: [], pixels: new Uint8Array() }, target: new Float32Array(), points: { indices: [], ids: [], captions: [], labels: [], pixels: new Uint8Array() } };
    const before = fold([{ type: 'dataset', summary: summary('emoji', 3174) }, { type: 'probe', probe }, ...two]);
    // The same data again (a new seed or caption graph re-announces it): the view keeps its runs until the worker drops them.
    expect(fold([{ type: 'dataset', summary: summary('emoji', 3174) }], before).objectives).toEqual(['clip', 'xsample']);
    const after = fold([{ type: 'dataset', summary: summary('my-photos', 7) }], before);
    expect(after).toMatchObject({ objectives: [], histories: {}, metrics: {}, viz: {}, klHistory: {}, probe: undefined, step: 0 });
    expect(after.generation).toBeGreaterThan(before.generation);
    expect(after.version).toBeGreaterThan(before.version);
  });

  it('a run-removed event drops that run and its curves, and keeps the others', () => {
    const v = fold([...two, { type: 'run-removed', objective: 'clip' }]);
    expect(v.objectives).toEqual(['xsample']);
    expect(v.histories.clip).toBeUndefined();
    expect(v.metrics.clip).toBeUndefined();
    expect(v.viz.clip).toBeUndefined();
    expect(v.klHistory.clip).toBeUndefined();
    expect(v.histories.xsample?.step).toEqual([1, 2, 3]);
  });

  it('drops the notice about encoding captions once the graph is made another way (it would describe a graph not in use)', () => {
    const summary = (graph: string) => ({ name: 'shapes', size: 600, trainSize: 480, heldOutSize: 120, imageSize: 32, labels: 5, graph, format: 'generated' as const, heldOutBy: 'seeded 20%' as const });
    const encoded: TrainEvent[] = [
      { type: 'notice', message: 'caption graph: 70 distinct texts encoded, 0 of them from the cache' },
      { type: 'dataset', summary: summary('Universal Sentence Encoder lite on captions, centred') },
    ];
    expect(fold(encoded).notices).toHaveLength(1);
    expect(fold([...encoded, { type: 'dataset', summary: summary('TF-IDF of caption words') }]).notices).toEqual([]);
  });
});
