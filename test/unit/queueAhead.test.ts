import { describe, expect, it, vi } from 'vitest';
import { Trainer } from '../../src/core/trainer';
import { withDefaults } from '../../src/core/config';
import { INITIAL_VIEW, reduceEvent } from '../../src/ui/trainingView';
import type { BackendChoice, BackendInfo, TrainEvent } from '../../src/worker/protocol';
import { TrainingSession } from '../../src/worker/session';

// On a GPU the loop queues a run's next step before it reads the loss of the one before (no blocking read-back each
// step). The maths runs on the unit tests' backend either way; a backend that says it is WebGPU turns the queueing on.

const tiny = { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 16, textWidth: 16 };
const config = withDefaults({ graph: 'tfidf', steps: 23, batchSize: 8, lr: 3e-3, warmupSteps: 2, evalEvery: 7, vizEvery: 1000, model: tiny });

async function session(active: BackendInfo['active']) {
  const events: TrainEvent[] = [];
  const startBackend = async (choice: BackendChoice): Promise<BackendInfo> => ({ requested: choice, active, adapter: 'test' });
  const s = new TrainingSession({ startBackend });
  await s.init((e) => events.push(structuredClone(e)), active, { encoderModelUrl: 'unused', encoderVocabUrl: 'unused' });
  expect(await s.configure(config, ['clip', 'xsample'])).toEqual([]);
  await s.loadShapes(40, 16, 1);
  return { s, events, view: () => events.reduce(reduceEvent, INITIAL_VIEW) };
}

const until = (ok: () => boolean) =>
  new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (ok()) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });

/** Counts, per trainer, the steps queued whose reports have not come back yet; keeps the most seen at once. */
function watchQueue() {
  const queueStep = Trainer.prototype.queueStep;
  const open = new Map<Trainer, number>();
  const most = { value: 0 };
  const spy = vi.spyOn(Trainer.prototype, 'queueStep').mockImplementation(function (this: Trainer) {
    const queued = queueStep.call(this);
    open.set(this, (open.get(this) ?? 0) + 1);
    most.value = Math.max(most.value, open.get(this)!);
    void queued.report.finally(() => open.set(this, open.get(this)! - 1)).catch(() => undefined);
    return queued;
  });
  return { most, restore: () => spy.mockRestore() };
}

describe('steps queued ahead on a GPU backend', () => {
  it('train exactly as steps waited for one by one, and a pause leaves weights and curves at the same step', async () => {
    const watch = watchQueue();
    const gpu = await session('webgpu');
    await gpu.s.start();
    await until(() => (gpu.view().histories.clip?.loss.length ?? 0) >= 9);
    await gpu.s.pause();
    const paused = await gpu.s.results();
    for (const r of paused) {
      // Every step done on the device has its report in the history: none is left half-taken by the pause.
      expect(r.history.map((h) => h.step)).toEqual(Array.from({ length: r.steps }, (_, i) => i + 1));
    }
    const events = gpu.events.filter((e) => e.type === 'step').length;
    expect(events).toBe(paused.reduce((n, r) => n + r.steps, 0));
    await gpu.s.start();
    await until(() => gpu.view().state === 'done');
    expect(watch.most.value).toBe(2); // a step was queued while the one before it was still unread
    watch.most.value = 0;
    const cpu = await session('wasm');
    for (let i = 0; i < config.steps; i++) await cpu.s.step();
    expect(watch.most.value).toBe(1);
    watch.restore();
    const a = await gpu.s.results();
    const b = await cpu.s.results();
    for (const objective of ['clip', 'xsample']) {
      const ra = a.find((r) => r.objective === objective)!;
      const rb = b.find((r) => r.objective === objective)!;
      expect(ra.steps).toBe(config.steps);
      expect(ra.history.map((h) => h.loss)).toEqual(rb.history.map((h) => h.loss));
      expect(ra.history.map((h) => h.logitScale)).toEqual(rb.history.map((h) => h.logitScale));
      // Evaluations ran on the weights of their own step.
      expect(ra.metrics.map((e) => [e.step, e.heldOutLoss])).toEqual(rb.metrics.map((e) => [e.step, e.heldOutLoss]));
    }
    await gpu.s.reset();
    await cpu.s.reset();
  });
});
