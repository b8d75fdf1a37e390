import type { ObjectiveName } from '../core/config';
import * as tf from '../core/tf';
import type { QueuedStep, StepReport } from '../core/trainer';
import { firstNonFinite } from '../data/validation';
import type { Comparison, Run, RunSnapshot } from './comparison';
import { type Device, GPU_CHECKPOINT_EVERY } from './deviceFallback';
import type { EventSink, RunState } from './protocol';
import type { RunReports } from './runReports';
import { SAVE_EVERY } from './savedRuns';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** How often (steps) the loop keeps an in-memory copy of every run's last good weights, to go back to after a NaN. */
export const GOOD_EVERY = 10;

export interface LoopParts {
  emit: EventSink;
  runs: Comparison;
  device: Device;
  reports: RunReports;
  /** The configured number of steps and how often to evaluate and draw. */
  schedule: () => { steps: number; evalEvery: number; vizEvery: number };
  /** Builds the runs where there are none (throws without a dataset). */
  ensureRuns: () => void;
  /** Saves the runs (on pause, every SAVE_EVERY steps and at the end). */
  save: () => Promise<void>;
}

/**
 * Run control and the training loop: one step of every run per round, the same batch order for each, with
 * evaluation and pictures on their schedule. A step that fails on a GPU backend moves the runs to WASM and is
 * tried again there on the same batch; elsewhere the runs pause with the error.
 */
export class RunLoop {
  state: RunState = 'idle';
  private loop?: Promise<void>;
  private failNext = false;
  private poisonNext = false;
  /**
   * Each run's last weights known to be finite, taken every GOOD_EVERY steps, with the step report they follow: they
   * belong to the run whose history still holds that very report (a run rebuilt from elsewhere does not).
   */
  private readonly good = new Map<ObjectiveName, { snap: RunSnapshot; report: StepReport }>();
  /** Steps queued before the previous one's loss was read (GPU backends), per objective, with the run they belong to. */
  private readonly ahead = new Map<ObjectiveName, { run: Run; queued: QueuedStep }>();

  constructor(private readonly p: LoopParts) {}

  setState(state: RunState): void {
    this.state = state;
    this.p.emit({ type: 'state', state, step: this.p.runs.step, totalSteps: this.p.schedule().steps });
  }

  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.p.ensureRuns();
    if (this.p.runs.done) return this.setState('done');
    this.setState('running');
    this.loop = this.run();
  }

  async pause(): Promise<void> {
    const wasRunning = this.state === 'running';
    if (wasRunning) this.setState('paused');
    await this.loop;
    if (wasRunning) await this.p.save();
  }

  /** One step of every run, then paused. */
  async step(): Promise<void> {
    await this.pause();
    this.p.ensureRuns();
    await this.stepAll();
    this.setState(this.p.runs.done ? 'done' : 'paused');
  }

  /** The next step fails inside its loss computation, as a lost GPU device would. */
  simulateFailure(): void {
    this.failNext = true;
  }

  /** The next step of the first run starts from NaN weights, so its loss is NaN (for the tests of the NaN guard). */
  simulateNonFiniteLoss(): void {
    this.poisonNext = true;
  }

  /** Keeps a copy of the run's weights when they are all finite (every GOOD_EVERY steps). */
  private async keepGood(run: Run, report: StepReport): Promise<void> {
    // (a run with a step queued ahead is kept at a later round: its weights are not those of this report)
    if (run.trainer.step % GOOD_EVERY !== 0 || run.trainer.step !== report.step) return;
    const snap = await this.p.runs.snapshot(run);
    if (Object.values(snap.params).some((p) => firstNonFinite(p.data, 1))) return; // not good: the older copy stays
    this.good.set(run.objective, { snap: { step: snap.step, params: snap.params, optimizer: snap.optimizer }, report });
  }

  /**
   * The loss of a step is NaN or infinite: the run goes back to its last good weights (or to its seed's, before
   * any were kept) through Comparison.restoreRun, which also cuts its curves there; the loop pauses and says why.
   * The run is never marked done on a NaN: resuming trains on from the restored step.
   */
  private nonFinite(run: Run, report: StepReport): void {
    const { runs, emit } = this.p;
    const kept = this.good.get(run.objective);
    const snap: RunSnapshot = kept && kept.snap.step < report.step && run.history.includes(kept.report) ? kept.snap : { step: 0 };
    runs.restoreRun(run.objective, snap);
    const cfg = run.model.cfg;
    const temperature = run.objective === 'xsample' || run.objective === 'simclr' ? `, or raise τ (now ${cfg.tau})` : '';
    emit({
      type: 'error',
      message:
        `${run.objective}: the loss became ${report.loss} at step ${report.step}; training paused and the run went back to ` +
        `${snap.params ? `its weights of step ${snap.step}` : 'its initial weights (step 0)'}. Lower the learning rate (now ${cfg.lr})${temperature}, ` +
        'then press Start to resume.',
    });
    this.setState('paused');
  }

  private async run(): Promise<void> {
    try {
      await this.train();
    } finally {
      // Steps queued ahead when the loop stopped are done on the device: their reports join the histories now.
      await this.stepAll(true);
    }
  }

  private async train(): Promise<void> {
    while (this.state === 'running') {
      await this.stepAll();
      if (this.p.runs.done) {
        this.setState('done');
        await this.p.save();
        break;
      }
      if (this.p.runs.runs.some((r) => r.trainer.step % SAVE_EVERY === 0)) {
        await this.stepAll(true); // a save keeps weights and histories of the same step
        await this.p.save();
      }
      await macrotask(); // lets pause / reset commands in
    }
  }

  /**
   * On a GPU, the step after this one may be queued before this one's loss is read back, when nothing has to happen
   * between the two (no evaluation, picture, save, kept weights or device checkpoint after this step).
   */
  private mayQueueAhead(run: Run, step: number): boolean {
    const { evalEvery, vizEvery, steps } = this.p.schedule();
    if (this.state !== 'running' || !this.p.device.onGpu || step + 1 >= Math.min(steps, run.model.cfg.steps)) return false; // the last step is never queued ahead
    const every = [evalEvery, vizEvery, SAVE_EVERY, GOOD_EVERY, GPU_CHECKPOINT_EVERY];
    return step !== 1 && every.every((n) => step % n !== 0);
  }

  /** Drops every step queued ahead (its run is rebuilt or the loop stops); their results are never used. */
  private dropAhead(objective?: ObjectiveName): void {
    for (const [o, a] of this.ahead) {
      if (objective && o !== objective) continue;
      a.queued.report.catch(() => undefined);
      this.ahead.delete(o);
    }
  }

  /** The run's next step: the one queued ahead in the last round, else queued now. Throws where recording fails. */
  private nextStep(run: Run): QueuedStep {
    const a = this.ahead.get(run.objective);
    this.ahead.delete(run.objective);
    if (a && a.run === run) return a.queued;
    if (a) a.queued.report.catch(() => undefined);
    if (this.failNext) {
      this.failNext = false;
      run.trainer.failNextStep(new Error('simulated loss of the GPU device'));
    }
    if (this.poisonNext) {
      this.poisonNext = false;
      tf.tidy(() => {
        for (const v of run.model.params.vars.values()) v.assign(tf.fill(v.shape, NaN));
      });
    }
    return run.trainer.queueStep();
  }

  /** A step failed: on a GPU the runs move to WASM and go on (true); elsewhere the loop pauses with the error. */
  private async failed(err: unknown, attempt: number): Promise<boolean> {
    this.dropAhead();
    if (attempt === 0 && (await this.p.device.recover(err))) return true;
    this.p.emit({ type: 'error', message: `training step failed: ${err instanceof Error ? err.message : String(err)}` });
    this.setState('paused');
    return false;
  }

  /** One step of every unfinished run (a run rebuilt after a failure is looked up again by its objective). */
  private async stepAll(onlyQueued = false): Promise<void> {
    const { runs, reports, emit, device } = this.p;
    for (const objective of runs.objectives) {
      if (onlyQueued && !this.ahead.has(objective)) continue;
      for (let attempt = 0; ; attempt++) {
        const run = runs.find(objective);
        if (!run || (run.trainer.done && !this.ahead.has(objective))) break;
        let report: StepReport;
        let queued: QueuedStep | undefined;
        try {
          queued = this.nextStep(run);
          if (!onlyQueued && this.mayQueueAhead(run, queued.step)) this.ahead.set(objective, { run, queued: run.trainer.queueStep() });
          report = await queued.report;
        } catch (err) {
          queued?.report.catch(() => undefined); // a step queued before its successor failed to record: never read
          if (await this.failed(err, attempt)) continue;
          return;
        }
        // The loss is read back every step already (without blocking, and on a GPU while the next step runs):
        // checking it is free.
        if (!Number.isFinite(report.loss)) {
          this.dropAhead(objective);
          this.nonFinite(run, report);
          return;
        }
        run.history.push(report);
        const m = tf.memory();
        emit({ type: 'step', objective, report, memory: { numTensors: m.numTensors, numBytes: m.numBytes } });
        const { evalEvery, vizEvery } = this.p.schedule();
        if (report.step % evalEvery === 0 || run.trainer.done) await reports.evaluate(run);
        if (report.step === 1 || report.step % vizEvery === 0 || run.trainer.done) await reports.visualise(run, run === runs.runs[0]);
        // A checkpoint that cannot be read back means the device is lost: move on now, from the last good one.
        await device.afterStep(run).catch((err: unknown) => device.recover(err));
        await this.keepGood(runs.find(objective) ?? run, report).catch(() => undefined); // a lost device is the fallback's to handle
        break;
      }
    }
  }
}
