import type { ObjectiveName } from '../core/config';
import { evaluateRun } from '../core/evaluate';
import type { splitForSet } from '../core/dataset';
import { Comparison, type RunGround } from './comparison';
import type { EventSink, SeedRepeatState, SeedRepeatUpdate, SeedRunResult } from './protocol';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The fewest and most seeds "Repeat with n seeds" takes. */
export const MIN_SEEDS = 2;
export const MAX_SEEDS = 5;

/** What one seed's runs stand on: the session's data, graph and config with this seed, and the seed's own split. */
export interface SeedGround {
  ground: RunGround;
  split: ReturnType<typeof splitForSet>;
}

export interface RepeatParts {
  emit: EventSink;
  /** The ground of the session with another seed (throws without a dataset). */
  groundFor: (seed: number) => SeedGround;
  /** The session's seed, objectives and dataset name now (what a new repeat is of). */
  session: () => { seed: number; objectives: ObjectiveName[]; steps: number; dataset: string };
}

/** The runs of one seed, and what they stand on. */
interface SeedRuns {
  comparison: Comparison;
  ground: SeedGround;
}

interface Job {
  seeds: number[];
  objectives: ObjectiveName[];
  /** The seed trained now (its position in `seeds`). */
  index: number;
  /** The runs of the seed trained now, built when it starts. */
  current?: SeedRuns;
  finished: SeedRunResult[];
}

/**
 * "Repeat with n seeds": every objective of the session trained on the session's seed and the n − 1 after it, one seed
 * after another. Each seed's runs are a Comparison of their own (so the objectives of a seed share initial weights
 * and batches, and the pairs X-Sample − CLIP are paired by seed); the session's own runs are never touched. Progress,
 * each step's loss, the evaluations and each seed's final metrics go to the page as `seeds` events. The job can be
 * paused (between steps) and resumed, or cancelled; the seeds it finished stay.
 */
export class SeedRepeats {
  state: SeedRepeatState | 'idle' = 'idle';
  private job?: Job;
  private loop?: Promise<void>;

  constructor(private readonly p: RepeatParts) {}

  get active(): boolean {
    return this.state === 'running' || this.state === 'paused';
  }

  /** Every seed's final metrics of the last repeat (finished seeds only), for the export. */
  finished(): SeedRunResult[] {
    return this.job?.finished ?? [];
  }

  /** A new repeat over `count` seeds (MIN_SEEDS..MAX_SEEDS) from the session's seed; a repeat in progress is cancelled. */
  async start(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < MIN_SEEDS || count > MAX_SEEDS)
      throw new Error(`the number of seeds must be a whole number from ${MIN_SEEDS} to ${MAX_SEEDS} (got ${count})`);
    const { seed, objectives, steps, dataset } = this.p.session();
    this.p.groundFor(seed); // throws now, not in the loop, without a dataset
    await this.cancel(false);
    const seeds = Array.from({ length: count }, (_, k) => seed + k);
    this.job = { seeds, objectives: [...objectives], index: 0, finished: [] };
    this.update({ kind: 'begin', seeds, objectives: [...objectives], totalSteps: steps, dataset });
    this.resume();
  }

  /** Stops between two steps; `resume` goes on from there. */
  async pause(): Promise<void> {
    if (this.state !== 'running') return;
    this.setState('paused');
    await this.loop;
  }

  resume(): void {
    if (!this.job || this.state === 'running' || this.job.index >= this.job.seeds.length) return;
    this.setState('running');
    this.loop = this.run();
  }

  /** Stops and frees the runs of the seed in progress; the seeds already finished stay. Silent with `announce` false. */
  async cancel(announce = true): Promise<void> {
    if (!this.active) return;
    this.state = 'cancelled';
    await this.loop;
    this.dropCurrent();
    if (announce) this.setState('cancelled');
  }

  private update(update: SeedRepeatUpdate): void {
    this.p.emit({ type: 'seeds', update });
  }

  private setState(state: SeedRepeatState, message?: string): void {
    this.state = state;
    this.update(message === undefined ? { kind: 'state', state } : { kind: 'state', state, message });
  }

  private dropCurrent(): void {
    this.job?.current?.comparison.dispose();
    if (this.job) this.job.current = undefined;
  }

  private async run(): Promise<void> {
    const job = this.job!;
    try {
      while (this.state === 'running' && job.index < job.seeds.length) {
        const seed = job.seeds[job.index];
        job.current ??= this.build(seed, job.objectives);
        const { comparison } = job.current;
        await this.stepAll(seed, job.current);
        if (this.state === 'running' && comparison.done) {
          const result: SeedRunResult = { seed, results: comparison.runs.map((r) => ({ objective: r.objective, final: r.metrics[r.metrics.length - 1] })) };
          job.finished.push(result);
          this.update({ kind: 'seed-done', run: result });
          this.dropCurrent();
          job.index++;
        }
        await macrotask(); // lets pause and cancel in
      }
      if (this.state === 'running') this.setState('done');
    } catch (err) {
      this.dropCurrent();
      this.setState('failed', `repeat with seeds: seed ${job.seeds[job.index]} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Fresh runs of every objective on `seed` (their events are the session's business, so they go nowhere). */
  private build(seed: number, objectives: ObjectiveName[]): SeedRuns {
    const ground = this.p.groundFor(seed);
    const comparison = new Comparison(() => {}, () => ground.ground);
    comparison.ensure(objectives);
    return { comparison, ground };
  }

  /** One step of every unfinished run of the seed, its loss sent; evaluated on the schedule and at the end. */
  private async stepAll(seed: number, { comparison, ground }: SeedRuns): Promise<void> {
    const { data, graph, config } = ground.ground;
    for (const run of comparison.runs) {
      if (run.trainer.done || this.state !== 'running') continue;
      const report = await run.trainer.trainStep();
      if (!Number.isFinite(report.loss))
        throw new Error(`${run.objective}: the loss became ${report.loss} at step ${report.step}; lower the learning rate, then repeat`);
      run.history.push(report);
      this.update({ kind: 'step', seed, objective: run.objective, step: report.step, loss: report.loss });
      if (graph && ground.split.heldOut.length > 0 && (report.step % config.evalEvery === 0 || run.trainer.done)) {
        const metrics = await evaluateRun(run.model, data, ground.split, graph, report.step);
        run.metrics.push(metrics);
        this.update({ kind: 'metrics', seed, objective: run.objective, metrics });
      }
    }
  }
}
