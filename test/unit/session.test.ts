import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_FORMAT, exportTfjs } from '../../src/core/checkpoint';
import { type ObjectiveName, withDefaults } from '../../src/core/config';
import { makeShapesSet } from '../../src/data/shapesSet';
import { ContrastiveModel } from '../../src/core/model';
import { Params } from '../../src/core/params';
import { tfidfGraph } from '../../src/text/tfidfGraph';
import { INITIAL_VIEW, reduceEvent } from '../../src/ui/trainingView';
import type { BackendChoice, BackendInfo, TrainEvent } from '../../src/worker/protocol';
import { type SessionOptions, TrainingSession } from '../../src/worker/session';

// The worker's session in Node, on the test backend. Its backend starter is a double: it says 'webgpu' until the
// session moves the runs to 'wasm', so the GPU fallback runs for real around real training steps.

const tiny = { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 16, textWidth: 16 };
const config = withDefaults({ graph: 'tfidf', steps: 10, batchSize: 8, lr: 3e-3, warmupSteps: 2, evalEvery: 1000, vizEvery: 1000, model: tiny });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const fakeBackend = async (choice: BackendChoice): Promise<BackendInfo> => ({ requested: choice, active: choice === 'wasm' ? 'wasm' : 'webgpu', adapter: 'test double' });

/** The batch (image indices) each model trained on, by objective, in order. */
let batches: Record<string, number[][]> = {};
const originalLoss = ContrastiveModel.prototype.loss;
ContrastiveModel.prototype.loss = function (this: ContrastiveModel, batch) {
  (batches[this.cfg.objective] ??= []).push(Array.from(batch.indices));
  return originalLoss.call(this, batch);
};

afterEach(() => {
  vi.restoreAllMocks();
  batches = {};
});

async function session(objectives: ObjectiveName[], options: Partial<SessionOptions> = {}) {
  const events: TrainEvent[] = [];
  const s = new TrainingSession({ startBackend: fakeBackend, ...options });
  await s.init((e) => events.push(structuredClone(e)), 'webgpu', // events cross the boundary as copies
    { encoderModelUrl: 'unused', encoderVocabUrl: 'unused' });
  expect(await s.configure(config, objectives)).toEqual([]);
  await s.loadShapes(40, 16, 1);
  const steps = async (n: number) => {
    for (let i = 0; i < n; i++) await s.step();
  };
  /** What the page would show: every event so far through the page's reducer. */
  const view = () => events.reduce(reduceEvent, INITIAL_VIEW);
  return { s, events, steps, view };
}

async function unbrokenLosses(objectives: ObjectiveName[], n: number): Promise<number[][]> {
  const ref = await session(objectives);
  await ref.steps(n);
  const losses = (await ref.s.results()).map((r) => r.history.map((h) => h.loss));
  await ref.s.reset();
  batches = {};
  return losses;
}

describe('the training session', () => {
  it('retries a GPU step that failed inside its loss computation on WASM, on the same batch: every run keeps the batches of an unbroken run', async () => {
    const expected = await unbrokenLosses(['clip', 'xsample'], 5);
    const { s, steps, events, view } = await session(['clip', 'xsample']);
    await steps(2);
    await s.simulateBackendFailure();
    await steps(3);
    const results = await s.results();
    expect(results.map((r) => r.history.map((h) => h.step))).toEqual([range(5), range(5)]);
    expect(results.map((r) => r.history.map((h) => h.loss))).toEqual(expected);
    expect(batches.clip).toHaveLength(5); // the failed attempt threw before the model saw a batch
    expect(batches.xsample).toEqual(batches.clip);
    expect(results[0].backend.active).toBe('wasm');
    expect(events).toContainEqual({ type: 'notice', message: 'webgpu failed (simulated loss of the GPU device); continued on wasm: clip at step 2, xsample at step 2' });
    expect(view().histories.clip?.step).toEqual(range(5));
    expect(view().histories.xsample?.step).toEqual(range(5));
    await s.reset();
  });

  it('changing only the objectives keeps the runs that still apply: a newly ticked one starts at step 0 beside them, on the same initial weights and batches', async () => {
    const expected = await unbrokenLosses(['clip', 'xsample'], 3);
    const { s, steps, view } = await session(['clip']);
    await steps(3);
    expect(await s.configure(config, ['clip', 'xsample'])).toEqual([]);
    expect(view().objectives).toEqual(['clip', 'xsample']);
    expect(view().histories.clip?.step).toEqual(range(3)); // kept
    expect(view().histories.xsample?.step).toEqual([]); // new, at step 0
    expect(view().state).toBe('paused');
    await steps(3);
    const results = await s.results();
    expect(results.map((r) => r.steps)).toEqual([6, 3]);
    expect(results[0].history.slice(0, 3).map((h) => h.loss)).toEqual(expected[0]);
    expect(results[1].history.map((h) => h.loss)).toEqual(expected[1]); // as if it had trained from the start beside CLIP
    expect(batches.xsample).toEqual(batches.clip.slice(0, 3));

    // Unticking CLIP drops its run and its curves; X-Sample's goes on where it was.
    expect(await s.configure(config, ['xsample'])).toEqual([]);
    expect(view().objectives).toEqual(['xsample']);
    expect(view().histories.clip).toBeUndefined();
    expect(view().metrics.clip).toBeUndefined();
    expect(view().histories.xsample?.step).toEqual(range(3));
    expect(view().step).toBe(3);
    await steps(1);
    expect((await s.results()).map((r) => [r.objective, r.steps])).toEqual([['xsample', 4]]);

    // Any other change of the config starts afresh, and the page drops every run's curves with it.
    expect(await s.configure({ ...config, lr: 1e-3 }, ['xsample'])).toEqual([]);
    expect(view().objectives).toEqual([]);
    expect(view().histories).toEqual({});
    expect(view().state).toBe('idle');
    await s.reset();
  });

  it('reset drops the runs on the page too: no chip, curve or picture of them stays', async () => {
    const { s, steps, view } = await session(['clip', 'xsample']);
    await steps(2);
    await s.reset();
    expect(view()).toMatchObject({ objectives: [], histories: {}, metrics: {}, viz: {}, klHistory: {}, state: 'idle', step: 0 });
  });

  it('"Try it": every run answers an image with its nearest held-out images; a text, by its text tower or, without one, by the captions', async () => {
    const { s, steps } = await session(['clip', 'xsample']);
    expect(await s.tryIt({ kind: 'text', text: 'red' }, 5)).toBeUndefined(); // no runs yet
    await steps(2);
    const bySample = (await s.tryIt({ kind: 'sample', index: 3 }, 5))!;
    expect(bySample.answers.map((a) => [a.objective, a.by, a.neighbours.length])).toEqual([['clip', 'image', 5], ['xsample', 'image', 5]]);
    expect(bySample.query?.indices).toEqual([3]);
    for (const a of bySample.answers) {
      const scores = a.neighbours.map((n) => n.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      expect(a.neighbours.every((n) => bySample.samples.indices[n.sample] !== 3)).toBe(true); // not itself
    }
    expect(bySample.samples.pixels.length).toBe(bySample.samples.indices.length * 16 * 16 * 3);
    const pixels = new Uint8Array(16 * 16 * 3).fill(200);
    expect((await s.tryIt({ kind: 'image', pixels }, 3))!.answers.map((a) => a.neighbours.length)).toEqual([3, 3]);
    await expect(s.tryIt({ kind: 'image', pixels: new Uint8Array(5) }, 3)).rejects.toThrow(/16×16 RGB/);
    const byText = (await s.tryIt({ kind: 'text', text: 'a red circle' }, 4))!;
    expect(byText.answers[0]).toMatchObject({ objective: 'clip', by: 'text' });
    expect(byText.answers[0].neighbours).toHaveLength(4);
    expect(byText.answers[1]).toMatchObject({ objective: 'xsample', by: 'captions' });
    expect(byText.answers[1].note).toMatch(/no text tower/);
    for (const n of byText.answers[1].neighbours) expect(byText.samples.captions[n.sample]).toMatch(/red|circle/);
    await s.reset();
  });

  it('restores a lost device from the last checkpoint: the histories are cut there and the batches rewound', async () => {
    const expected = await unbrokenLosses(['clip', 'xsample'], 5);
    const { s, steps, events, view } = await session(['clip', 'xsample'], { gpuCheckpointEvery: 2 });
    await steps(3);
    // The device is gone: nothing can be read back from it any more.
    const lost = vi.spyOn(Params.prototype, 'snapshot').mockRejectedValue(new Error('device lost'));
    await s.simulateBackendFailure();
    await steps(1);
    lost.mockRestore();
    expect(events).toContainEqual({ type: 'notice', message: 'webgpu failed (simulated loss of the GPU device); continued on wasm: clip at step 2, xsample at step 2' });
    await steps(2);
    const results = await s.results();
    expect(results.map((r) => r.history.map((h) => h.step))).toEqual([range(5), range(5)]);
    expect(results.map((r) => r.history.map((h) => h.loss))).toEqual(expected);
    // Step 3 was trained twice, on the same batch; every other batch once, the same for both runs.
    expect(batches.clip).toEqual([...batches.clip.slice(0, 3), batches.clip[2], ...batches.clip.slice(4)]);
    expect(batches.xsample).toEqual(batches.clip);
    expect(view().histories.clip?.step).toEqual(range(5));
    expect(view().histories.xsample?.loss).toEqual(expected[1]);
    await s.reset();
  });

  it('pauses with the error when a step fails off the GPU; the next step trains on the batch the failed one drew', async () => {
    const expected = await unbrokenLosses(['xsample'], 4);
    const onWasm = async (c: BackendChoice) => ({ ...(await fakeBackend(c)), active: 'wasm' as const });
    const { s, steps, events } = await session(['xsample'], { startBackend: onWasm });
    await steps(2);
    await s.simulateBackendFailure();
    await steps(1);
    expect(events).toContainEqual({ type: 'error', message: 'training step failed: simulated loss of the GPU device' });
    expect(events.at(-1)).toMatchObject({ type: 'state', state: 'paused', step: 2 });
    await steps(2);
    expect((await s.results())[0].history.map((h) => h.loss)).toEqual(expected[0]);
    await s.reset();
  });

  it('imports a run beside the others without touching their curves, and tells the page the new objective list', async () => {
    const { s, steps, events, view } = await session(['clip'], { startBackend: async (c) => ({ ...(await fakeBackend(c)), active: 'wasm' }) });
    await steps(5);
    const set = makeShapesSet(40, 16, 1);
    const cfg = { ...config, objective: 'xsample' as const };
    const model = new ContrastiveModel(cfg, set.captions, tfidfGraph(set.captions));
    const files = await exportTfjs(await model.params.snapshot(), { format: CHECKPOINT_FORMAT, config: cfg, step: 4, dataset: 'elsewhere', createdAt: 'now' });
    model.dispose();
    const note = await s.importRun([
      { path: 'model.json', blob: new Blob([files.modelJson]) },
      { path: files.weightsName, blob: new Blob([files.weightsBin as Uint8Array<ArrayBuffer>]) },
    ]);
    expect(note).toMatch(/^imported xsample weights from elsewhere at step 4; training continues to step 10/);
    // Evaluated at once; the page hears when the evaluation begins and when it ends (the status line's "Evaluating").
    const phases = events.filter((e) => e.type === 'evaluating' || (e.type === 'metrics' && e.objective === 'xsample')).map((e) => (e.type === 'evaluating' ? `evaluating ${e.objective} ${e.step} ${e.done}` : e.type));
    expect(phases).toEqual(['evaluating xsample 4 false', 'metrics', 'evaluating xsample 4 true']);
    expect(view().evaluating).toBeUndefined();
    expect(events.filter((e) => e.type === 'runs')).toHaveLength(1); // the one of the first step, none since
    expect(events).toContainEqual(expect.objectContaining({ type: 'config', objectives: ['clip', 'xsample'] }));
    expect(view().objectives).toEqual(['clip', 'xsample']);
    expect(view().workerConfig?.objectives).toEqual(['clip', 'xsample']);
    expect(view().histories.clip?.step).toEqual(range(5));
    expect(view().histories.xsample?.step).toEqual([]);
    await steps(1);
    expect(view().histories.clip?.step).toEqual(range(6));
    expect(view().histories.xsample?.step).toEqual([5]);
    expect(batches.xsample.at(-1)).toEqual(batches.clip[4]); // its step 5 trains on the batch of every run's step 5
    await s.reset();
  });

  it('shows a PyTorch run of an objective that has a run here beside it (a reference run), and trains on from it when asked', async () => {
    const { s, steps, events, view } = await session(['clip']);
    await steps(3);
    const before = view().histories.clip;
    const set = makeShapesSet(40, 16, 1);
    const cfg = { ...config, objective: 'clip' as const };
    const model = new ContrastiveModel(cfg, set.captions, tfidfGraph(set.captions));
    const files = await exportTfjs(await model.params.snapshot(), { format: CHECKPOINT_FORMAT, config: cfg, step: 2, dataset: 'elsewhere', createdAt: 'now', vocab: model.tokenizer?.vocab });
    model.dispose();
    const history = [1, 2].map((step) => ({ step, loss: 3 - step, lr: 1e-3, ms: 4 }));
    const zip = [
      { path: 'model.json', blob: new Blob([files.modelJson]) },
      { path: files.weightsName, blob: new Blob([files.weightsBin as Uint8Array<ArrayBuffer>]) },
      { path: 'config.json', blob: new Blob([JSON.stringify({ origin: 'pytorch', objective: 'clip', step: 2 })]) },
      { path: 'history.json', blob: new Blob([JSON.stringify(history)]) },
    ];
    const note = await s.importRun(zip);
    expect(note).toMatch(/^imported clip weights trained in PyTorch from elsewhere at step 2: shown beside the CLIP run as a reference/);
    expect(view().references.clip).toMatchObject({ origin: 'pytorch', step: 2, history: { step: [1, 2], loss: [2, 1] } });
    expect(view().histories.clip).toEqual(before); // the live run is untouched, and trains on
    expect(view().origins).toEqual({});
    await steps(1);
    expect(view().histories.clip?.step).toEqual(range(4));
    // The other choice: its weights replace the CLIP run, and the reference goes.
    expect(await s.continueFromReference('clip')).toMatch(/^imported clip weights trained in PyTorch from elsewhere at step 2; training continues/);
    expect(view().references).toEqual({});
    expect(view().origins).toEqual({ clip: 'pytorch' });
    expect(view().histories.clip?.step).toEqual([1, 2]);
    // A browser run zip of the objective still continues that run, as it always did.
    const browserZip = zip.filter((f) => f.path !== 'config.json');
    expect(await s.importRun(browserZip)).toMatch(/^imported clip weights from elsewhere at step 2; training continues/);
    expect(view().origins).toEqual({});
    expect(events.filter((e) => e.type === 'reference')).toHaveLength(1);
    await s.reset();
  });
});
