import { runConfig } from '../core/config';
import { objectiveSpec } from '../core/registry';
import { setSize } from '../core/dataset';
import { ContrastiveModel } from '../core/model';
import * as tf from '../core/tf';
import { timedSteps, Trainer } from '../core/trainer';
import { makeShapesSet } from '../data/shapesSet';
import { tfidfGraph } from '../text/tfidfGraph';
import type { Device } from './deviceFallback';
import type { BenchmarkRequest, BenchmarkResult } from './protocol';

const WARM_UP_STEPS = 2;

/**
 * Times training steps of each objective on each backend that starts, on generated shapes (for `npm run bench`).
 * The user's runs are kept: moved onto every backend in turn, and back onto the one that was active.
 */
export async function runBenchmark(req: BenchmarkRequest, device: Device): Promise<BenchmarkResult[]> {
  const keep = device.info?.requested ?? 'auto';
  const snapshots = await device.snapshotRuns();
  const m = req.config.model;
  const set = makeShapesSet(Math.max(2 * req.config.batchSize, 64), m.imageSize, 1);
  const pool = Int32Array.from({ length: setSize(set) }, (_, i) => i);
  const graph = tfidfGraph(set.captions);
  const results: BenchmarkResult[] = [];
  for (const backend of req.backends) {
    const info = await device.start(backend);
    device.restoreRuns(snapshots); // keep the user's runs alive on whichever backend is active
    for (const objective of req.objectives) {
      if (info.active !== backend) {
        results.push({ backend, objective, started: false, adapter: '', note: info.notice ?? 'did not start', medianMs: NaN, imagesPerSec: NaN, tensorsBefore: 0, tensorsAfter: 0, kernelsPerStep: 0, firstLoss: NaN, lastLoss: NaN });
        continue;
      }
      const cfg = { ...runConfig(req.config, objective, objectiveSpec(objective).recipe), steps: req.steps + WARM_UP_STEPS + 1 };
      const tensorsBefore = tf.memory().numTensors;
      const model = new ContrastiveModel(cfg, set.captions, graph);
      const trainer = new Trainer(model, set, cfg, pool);
      const losses: number[] = [];
      for (let i = 0; i < WARM_UP_STEPS; i++) losses.push((await trainer.trainStep()).loss);
      const reports = await timedSteps(trainer, req.steps, info.active === 'webgpu' || info.active === 'webgl');
      const times = reports.map((r) => r.ms);
      losses.push(...reports.map((r) => r.loss));
      const profile = await tf.profile(async () => {
        await trainer.trainStep();
      });
      trainer.dispose();
      model.dispose();
      const tensorsAfter = tf.memory().numTensors;
      times.sort((a, b) => a - b);
      const medianMs = times[Math.floor(times.length / 2)];
      results.push({
        backend,
        objective,
        started: true,
        adapter: info.adapter,
        medianMs,
        imagesPerSec: (cfg.batchSize * 1000) / medianMs,
        tensorsBefore,
        tensorsAfter,
        kernelsPerStep: profile.kernels.length,
        firstLoss: losses[0],
        lastLoss: losses[losses.length - 1],
      });
    }
  }
  await device.switchTo(keep, false);
  return results;
}
