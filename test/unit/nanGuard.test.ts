import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { INITIAL_VIEW, reduceEvent } from '../../src/ui/trainingView';
import type { BackendChoice, BackendInfo, TrainEvent } from '../../src/worker/protocol';
import { GOOD_EVERY } from '../../src/worker/runLoop';
import { TrainingSession } from '../../src/worker/session';

// A NaN loss never trains on silently: the run goes back to its last good weights, pauses and says why.

const tiny = { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 16, textWidth: 16 };
const config = withDefaults({ graph: 'tfidf', steps: 14, batchSize: 8, lr: 3e-3, warmupSteps: 2, evalEvery: 1000, vizEvery: 1000, model: tiny });
const wasm = async (choice: BackendChoice): Promise<BackendInfo> => ({ requested: choice, active: 'wasm', adapter: 'test' });

async function session() {
  const events: TrainEvent[] = [];
  const s = new TrainingSession({ startBackend: wasm });
  await s.init((e) => events.push(structuredClone(e)), 'wasm', { encoderModelUrl: 'unused', encoderVocabUrl: 'unused' });
  expect(await s.configure(config, ['clip', 'xsample'])).toEqual([]);
  await s.loadShapes(40, 16, 1);
  return { s, events, view: () => events.reduce(reduceEvent, INITIAL_VIEW) };
}

describe('the NaN guard', () => {
  it('restores the last good weights, pauses with the reason, keeps NaN out of the curves, and resumes', async () => {
    const { s, events, view } = await session();
    for (let i = 0; i < GOOD_EVERY + 2; i++) await s.step();
    const before = (await s.results()).find((r) => r.objective === 'clip')!;
    await s.simulateNonFiniteLoss();
    await s.step();
    const errors = events.filter((e): e is Extract<TrainEvent, { type: 'error' }> => e.type === 'error').map((e) => e.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`clip: the loss became NaN at step ${GOOD_EVERY + 3}; training paused and the run went back to its weights of step ${GOOD_EVERY}\\. Lower the learning rate \\(now 0\\.003\\).*press Start to resume`));
    const after = (await s.results()).find((r) => r.objective === 'clip')!;
    expect(after.steps).toBe(GOOD_EVERY);
    expect(after.history.map((h) => h.step)).toEqual(before.history.map((h) => h.step).slice(0, GOOD_EVERY));
    expect(after.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    const v = view();
    expect(v.state).toBe('paused');
    expect(v.histories.clip?.loss.every((l) => Number.isFinite(l))).toBe(true);
    expect(v.histories.clip?.loss.length).toBe(GOOD_EVERY);
    // Resuming trains on from step GOOD_EVERY with finite losses, to the end, and only then is the run done.
    await s.start();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (view().state === 'done') {
          clearInterval(t);
          resolve();
        }
      }, 50);
    });
    const done = await s.results();
    for (const r of done) {
      expect(r.steps).toBe(config.steps);
      expect(r.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    }
    await s.reset();
  });

  it('goes back to the initial weights when the very first steps are NaN, and is not done on the last step', async () => {
    const { s, events, view } = await session();
    await s.simulateNonFiniteLoss();
    await s.step();
    expect(events.some((e) => e.type === 'error' && /its initial weights \(step 0\)/.test(e.message))).toBe(true);
    expect((await s.results()).find((r) => r.objective === 'clip')!.steps).toBe(0);
    expect(view().state).toBe('paused');
    for (let i = 0; i < config.steps - 1; i++) await s.step();
    await s.simulateNonFiniteLoss();
    await s.step(); // the last step of clip is NaN
    expect(view().state).toBe('paused');
    expect((await s.results()).find((r) => r.objective === 'clip')!.steps).toBeLessThan(config.steps);
    await s.reset();
  });
});
