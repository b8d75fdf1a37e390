import { evaluateRun } from '../core/evaluate';
import type { Run } from './comparison';
import type { EventSink, ProbeInfo } from './protocol';
import type { Workspace } from './workspace';

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A run's held-out metrics and pictures, sent as events; a failure of either is a notice and never stops the run. */
export class RunReports {
  constructor(
    private readonly emit: EventSink,
    private readonly space: Workspace,
  ) {}

  /** Metrics on the held-out split, kept with the run. */
  async evaluate(run: Run): Promise<void> {
    const { data, split, graph } = this.space;
    if (!data || !split || !graph || split.heldOut.length === 0) return;
    const phase = { type: 'evaluating', objective: run.objective, step: run.trainer.step } as const;
    this.emit({ ...phase, done: false });
    try {
      const metrics = await evaluateRun(run.model, data, split, graph, run.trainer.step);
      run.metrics.push(metrics);
      this.emit({ type: 'metrics', objective: run.objective, metrics });
    } catch (err) {
      this.emit({ type: 'notice', message: `${run.objective}: evaluation at step ${run.trainer.step} failed: ${reason(err)}` });
    } finally {
      this.emit({ ...phase, done: true });
    }
  }

  /** Heatmap and projection of one run; the first run's projection is the one the others are aligned to. */
  async visualise(run: Run, first: boolean): Promise<void> {
    try {
      const probe = this.ensureProbe();
      if (!probe || !this.space.data) return;
      const viz = await this.space.pictures.picture(run.model, run.objective, run.trainer.step, this.space.data, probe, first);
      this.emit({ type: 'viz', viz });
    } catch (err) {
      this.emit({ type: 'notice', message: `${run.objective}: the heatmap or projection failed at step ${run.trainer.step}: ${reason(err)}` });
    }
  }

  /** The probe batch of the pictures (sent to the page when it is new: once per dataset, graph and τ_s). */
  private ensureProbe(): ProbeInfo | undefined {
    const { data, split, graph, config } = this.space;
    if (!data || !split || !graph) return undefined;
    const got = this.space.pictures.probeFor(data, split, graph, config);
    if (got?.fresh) this.emit({ type: 'probe', probe: got.probe });
    return got?.probe;
  }
}
