import type { BackendChoice, ObjectiveName } from '../core/config';
import type { Comparison, Run, RunSnapshot } from './comparison';
import type { BackendInfo, EventSink } from './protocol';

export type StartBackend = (choice: BackendChoice) => Promise<BackendInfo>;

/** On GPU backends a CPU copy of every run is kept this often, to resume from if the device is lost. */
export const GPU_CHECKPOINT_EVERY = 50;

/**
 * The active backend, and the runs' way off it: a switch moves every run at its step, and a step that fails on a
 * GPU backend moves every run to WASM, from its weights where they can still be read, else from its last CPU
 * checkpoint. Either way each run is rebuilt by Comparison.restoreRun, so it keeps its batch order and its history
 * ends at the step it resumes from.
 */
export class Device {
  info?: BackendInfo;

  constructor(
    /** Starts a backend (backends.ts in the worker; tests give their own). */
    readonly start: StartBackend,
    private readonly emit: EventSink,
    private readonly runs: Comparison,
    private readonly checkpointEvery = GPU_CHECKPOINT_EVERY,
  ) {}

  get onGpu(): boolean {
    return this.info?.active === 'webgpu' || this.info?.active === 'webgl';
  }

  /** Starts `choice` and moves every run onto it at its current step. */
  async switchTo(choice: BackendChoice, announce = true): Promise<BackendInfo> {
    const snapshots = await this.snapshotRuns();
    this.info = await this.start(choice);
    this.restoreRuns(snapshots);
    this.emit({ type: 'backend', info: this.info });
    if (announce && this.info.notice) this.emit({ type: 'notice', message: this.info.notice });
    return this.info;
  }

  /** After a step: on a GPU backend, every `checkpointEvery` steps, a CPU copy of the run. */
  async afterStep(run: Run): Promise<void> {
    if (this.onGpu && run.trainer.step % this.checkpointEvery === 0) run.checkpoint = await this.runs.snapshot(run);
  }

  /**
   * A step failed with `err`. On a GPU backend every run moves to WASM and this returns true: the caller tries the
   * step again, on the same batch. Elsewhere it returns false and changes nothing.
   */
  async recover(err: unknown): Promise<boolean> {
    if (!this.onGpu) return false;
    const message = err instanceof Error ? err.message : String(err);
    const from = this.info!.active;
    const snapshots = await this.snapshotRuns();
    const info = await this.start('wasm');
    this.info = { ...info, notice: `${from} failed (${message}); continued on ${info.active}` };
    this.restoreRuns(snapshots);
    this.emit({ type: 'backend', info: this.info });
    const steps = this.runs.runs.map((r) => `${r.objective} at step ${r.trainer.step}`).join(', ');
    this.emit({ type: 'notice', message: `${this.info.notice}: ${steps}` });
    return true;
  }

  /** Every run as numbers: read back now, or its last checkpoint where the device can no longer be read. */
  async snapshotRuns(): Promise<Map<ObjectiveName, RunSnapshot>> {
    const out = new Map<ObjectiveName, RunSnapshot>();
    for (const run of this.runs.runs) {
      try {
        out.set(run.objective, await this.runs.snapshot(run));
      } catch {
        if (run.checkpoint) out.set(run.objective, run.checkpoint);
      }
    }
    return out;
  }

  /** Rebuilds every run on the active backend from the snapshots; a run without one restarts from step 0. */
  restoreRuns(snapshots: Map<ObjectiveName, RunSnapshot>): void {
    for (const objective of this.runs.objectives) {
      const snap = snapshots.get(objective);
      if (!snap) this.emit({ type: 'notice', message: `${objective}: its weights could not be read back; the run restarts from step 0` });
      this.runs.restoreRun(objective, snap ?? { step: 0 });
    }
  }
}
