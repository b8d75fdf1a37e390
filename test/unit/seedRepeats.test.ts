import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { INITIAL_VIEW, reduceEvent } from '../../src/ui/trainingView';
import type { BackendChoice, BackendInfo, SeedRepeatUpdate, TrainEvent } from '../../src/worker/protocol';
import { TrainingSession } from '../../src/worker/session';

// "Repeat with n seeds" in the worker's session, in Node on the test backend.

const tiny = { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 16, textWidth: 16 };
const config = withDefaults({ graph: 'tfidf', steps: 4, batchSize: 8, lr: 3e-3, warmupSteps: 1, evalEvery: 2, vizEvery: 1000, seed: 7, model: tiny });
const cpu = async (choice: BackendChoice): Promise<BackendInfo> => ({ requested: choice, active: 'cpu', adapter: 'test' });

async function session() {
  const events: TrainEvent[] = [];
  const s = new TrainingSession({ startBackend: cpu });
  await s.init((e) => events.push(structuredClone(e)), 'cpu', { encoderModelUrl: 'unused', encoderVocabUrl: 'unused' });
  expect(await s.configure(config, ['clip', 'xsample'])).toEqual([]);
  await s.loadShapes(40, 16, 1);
  const updates = () => events.flatMap((e) => (e.type === 'seeds' ? [e.update] : []));
  const until = async (pred: (u: SeedRepeatUpdate[]) => boolean) => {
    for (let i = 0; i < 2000 && !pred(updates()); i++) await new Promise((r) => setTimeout(r, 5));
    expect(pred(updates())).toBe(true);
  };
  const ended = (u: SeedRepeatUpdate[]) => u.some((x) => x.kind === 'state' && x.state !== 'running' && x.state !== 'paused');
  return { s, events, updates, until, ended, view: () => events.reduce(reduceEvent, INITIAL_VIEW) };
}

/** The loss of every step of a plain session run at `seed`. */
async function plainLosses(seed: number): Promise<Record<string, number[]>> {
  const { s } = await session();
  expect(await s.configure({ ...config, seed }, ['clip', 'xsample'])).toEqual([]);
  for (let i = 0; i < config.steps; i++) await s.step();
  const out = Object.fromEntries((await s.results()).map((r) => [r.objective, r.history.map((h) => h.loss)]));
  await s.reset();
  return out;
}

describe('repeat with seeds', () => {
  it('trains every objective on the session seed and the next, each seed as a plain run of that seed; the session’s runs stay', async () => {
    const { s, updates, until, ended, view } = await session();
    await s.step(); // the session's own runs, at step 1
    const tensorsBefore = (await s.memory()).numTensors;
    await s.repeatSeeds(2);
    await until(ended);
    // Every seed's runs were freed when it finished.
    expect((await s.memory()).numTensors).toBe(tensorsBefore);
    const u = updates();
    expect(u[0]).toEqual({ kind: 'begin', seeds: [7, 8], objectives: ['clip', 'xsample'], totalSteps: 4, dataset: expect.any(String) });
    expect(u[u.length - 1]).toEqual({ kind: 'state', state: 'done' });
    const done = u.flatMap((x) => (x.kind === 'seed-done' ? [x.run] : []));
    expect(done.map((r) => r.seed)).toEqual([7, 8]);
    for (const r of done) {
      expect(r.results.map((x) => x.objective)).toEqual(['clip', 'xsample']);
      for (const x of r.results) {
        expect(x.final?.step).toBe(4);
        expect(x.final?.knnTop1).toBeGreaterThanOrEqual(0);
      }
    }
    // Evaluated on the schedule (every 2 steps) for every seed and objective.
    expect(u.filter((x) => x.kind === 'metrics').map((x) => x.kind === 'metrics' && `${x.seed} ${x.objective} ${x.metrics.step}`)).toEqual([
      '7 clip 2', '7 xsample 2', '7 clip 4', '7 xsample 4', '8 clip 2', '8 xsample 2', '8 clip 4', '8 xsample 4',
    ]);
    // The session's runs were not touched.
    expect((await s.results()).map((r) => r.steps)).toEqual([1, 1]);
    const v = view();
    expect(v.seeds?.state).toBe('done');
    expect(v.seeds?.finished).toHaveLength(2);
    expect(v.histories.clip?.step).toEqual([1]);

    // Each seed trained exactly as a plain run of that seed does (same weights, batches and split): paired by seed.
    const losses = (seed: number, objective: string) => u.flatMap((x) => (x.kind === 'step' && x.seed === seed && x.objective === objective ? [x.loss] : []));
    for (const seed of [7, 8]) {
      const plain = await plainLosses(seed);
      expect(losses(seed, 'clip')).toEqual(plain.clip);
      expect(losses(seed, 'xsample')).toEqual(plain.xsample);
    }
    await s.reset();
  });

  it('pauses between steps, resumes where it was, and when cancelled keeps the seeds it finished', async () => {
    const { s, updates, until, ended } = await session();
    await s.repeatSeeds(3);
    await until((u) => u.some((x) => x.kind === 'seed-done'));
    await s.pauseSeeds();
    const stepsAtPause = updates().filter((x) => x.kind === 'step').length;
    await new Promise((r) => setTimeout(r, 50));
    expect(updates().filter((x) => x.kind === 'step').length).toBe(stepsAtPause);
    expect(updates().at(-1)).toEqual({ kind: 'state', state: 'paused' });
    // Training the session's runs is one job at a time too: the repeat stays paused meanwhile.
    await s.step();
    expect(updates().filter((x) => x.kind === 'step').length).toBe(stepsAtPause);
    await s.resumeSeeds();
    await until((u) => u.filter((x) => x.kind === 'step').length > stepsAtPause + 2);
    const tensorsRunning = (await s.memory()).numTensors;
    await s.cancelSeeds();
    expect(ended(updates())).toBe(true);
    expect((await s.memory()).numTensors).toBeLessThan(tensorsRunning); // the cancelled seed's runs are freed
    expect(updates().at(-1)).toEqual({ kind: 'state', state: 'cancelled' });
    const steps = updates().filter((x) => x.kind === 'step');
    // No step was lost or repeated across the pause: each run's steps count up from 1.
    for (const seed of [7, 8])
      for (const o of ['clip', 'xsample']) {
        const own = steps.flatMap((x) => (x.kind === 'step' && x.seed === seed && x.objective === o ? [x.step] : []));
        expect(own).toEqual(Array.from({ length: own.length }, (_, i) => i + 1));
      }
    await expect(s.repeatSeeds(6)).rejects.toThrow(/from 2 to 5/);
    await s.reset();
  });
});
