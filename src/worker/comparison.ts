import { type ObjectiveName, runConfig, type Settings } from '../core/config';
import { objectiveSpec } from '../core/registry';
import type { RunOrigin } from '../core/checkpoint';
import type { ImageSet } from '../core/dataset';
import type { EvalMetrics } from '../core/evaluate';
import { ContrastiveModel } from '../core/model';
import type { ParamSnapshot } from '../core/params';
import { historyRow, type StepReport, Trainer } from '../core/trainer';
import type { CaptionGraph } from '../core/captionGraph';
import type { BackendInfo, DatasetSummary, EventSink, RunResult } from './protocol';

/** One objective's run: its model, its trainer (sampler, optimizer, step) and what it reported so far. */
export interface Run {
  objective: ObjectiveName;
  model: ContrastiveModel;
  trainer: Trainer;
  history: StepReport[];
  metrics: EvalMetrics[];
  /** Where its weights were trained: here, or by the PyTorch trainer (an imported run). */
  origin: RunOrigin;
  /** On GPU backends, a CPU copy of the run taken every few steps, to restore if the device is lost. */
  checkpoint?: RunSnapshot;
}

export type OptimizerState = Awaited<ReturnType<Trainer['optimizer']['snapshot']>>;

/** A run's weights and optimizer moments at a step, as read back from the backend. */
export interface RunWeights {
  step: number;
  params: Record<string, ParamSnapshot>;
  optimizer: OptimizerState;
}

/** A run as numbers: enough to rebuild it at `step`. */
export interface RunSnapshot {
  step: number;
  /** The weights; absent, the seed's initial weights (a restart, at step 0). */
  params?: Record<string, ParamSnapshot>;
  /** Adam's moments; absent, they start afresh (an imported checkpoint carries none). */
  optimizer?: OptimizerState;
  /** Absent, the run's own so far; either way only the entries of steps up to `step` are kept. */
  history?: StepReport[];
  metrics?: EvalMetrics[];
  /** The text tower's vocabulary (a checkpoint's); absent, the run's own or one built from the captions. */
  vocab?: string[];
  /** Where the weights were trained; absent, the run's own origin (a fresh run: the browser). */
  origin?: RunOrigin;
}

/** What the runs are built on: the data, its training split, the caption graph and the session's settings. */
export interface RunGround {
  data: ImageSet;
  train: Int32Array;
  graph?: CaptionGraph;
  config: Settings;
}

/** Frees a run's tensors; on a lost device there is nothing left to free, and that is not an error. */
function disposeRun(run: Run): void {
  try {
    run.trainer.dispose();
    run.model.dispose();
  } catch {
    /* the old device is gone */
  }
}

/**
 * The runs trained side by side, one per objective, each with its own seeded sampler: for the same seed every run
 * sees the same batches in the same order (the promise of compare mode), which `restoreRun` keeps when a run is
 * rebuilt at some step.
 */
export class Comparison {
  runs: Run[] = [];

  constructor(
    private readonly emit: EventSink,
    private readonly ground: () => RunGround,
  ) {}

  get objectives(): ObjectiveName[] {
    return this.runs.map((r) => r.objective);
  }

  /** The step every run has reached (the slowest run's); 0 without runs. */
  get step(): number {
    return this.runs.length > 0 ? Math.min(...this.runs.map((r) => r.trainer.step)) : 0;
  }

  get done(): boolean {
    return this.runs.every((r) => r.trainer.done);
  }

  find(objective: ObjectiveName): Run | undefined {
    return this.runs.find((r) => r.objective === objective);
  }

  /** Fresh runs of these objectives where there are none yet, announced with a `runs` event; true when built. */
  ensure(objectives: ObjectiveName[]): boolean {
    if (this.runs.length > 0) return false;
    this.runs = objectives.map((objective) => this.build(objective));
    this.emitRuns();
    return true;
  }

  /** A fresh run from the seed: the image tower starts from the same weights for every objective. */
  private build(objective: ObjectiveName, vocab?: string[]): Run {
    const { data, train, graph, config } = this.ground();
    const cfg = runConfig(config, objective, objectiveSpec(objective).recipe);
    const model = new ContrastiveModel(cfg, data.allCaptions?.flat() ?? data.captions, graph, vocab);
    return { objective, model, trainer: new Trainer(model, data, cfg, train), history: [], metrics: [], origin: 'browser' };
  }

  /**
   * The one way to rebuild a run at step N, for an imported checkpoint, a resumed save and the move off a failed
   * GPU: a fresh model and trainer on the active backend, the snapshot's weights (and optimizer moments), the
   * sampler and augmentation streams moved to N along an unbroken run's batch order, and the history and metrics
   * cut to steps up to N. The run replaces the one of its objective (or joins the others), and the page hears of
   * it as a `run` event, which replaces that run's curves and no other's. Throws, leaving the runs as they were,
   * when the weights do not fit the model.
   */
  restoreRun(objective: ObjectiveName, snap: RunSnapshot): Run {
    const old = this.find(objective);
    const run = this.build(objective, snap.vocab ?? old?.model.tokenizer?.vocab);
    const step = snap.params ? Math.min(snap.step, run.model.cfg.steps) : 0;
    try {
      if (snap.params) {
        const own = new Set(run.model.params.names());
        const foreign = Object.keys(snap.params).filter((n) => !own.has(n));
        if (foreign.length > 0)
          throw new Error(`it holds ${foreign.length} tensor(s) the ${objective} model does not have: ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}`);
        run.model.params.restore(snap.params);
      }
      if (snap.params && snap.optimizer) run.trainer.optimizer.restore(snap.optimizer);
    } catch (err) {
      disposeRun(run);
      throw err;
    }
    run.trainer.skipTo(step);
    run.history = (snap.history ?? old?.history ?? []).filter((h) => h.step <= step);
    run.metrics = (snap.metrics ?? old?.metrics ?? []).filter((m) => m.step <= step);
    run.origin = snap.origin ?? (snap.params ? old?.origin : undefined) ?? 'browser';
    if (old?.checkpoint && old.checkpoint.step <= step) run.checkpoint = old.checkpoint;
    if (old) disposeRun(old);
    this.runs = old ? this.runs.map((r) => (r === old ? run : r)) : [...this.runs, run];
    this.emit({ type: 'run', objective, params: run.model.params.count(), step, history: [...run.history], metrics: [...run.metrics], origin: run.origin });
    return run;
  }

  /**
   * The runs of `objectives` after the user changed which objectives to compare (the config otherwise the same): the
   * runs of objectives still ticked keep their weights, steps and curves; those unticked are dropped (told to the
   * page as `run-removed`); a newly ticked one starts at step 0 beside them, from the seed's initial weights and on the
   * same batch order (a `run` event). Without runs, nothing is built: the next start builds them all.
   */
  retain(objectives: ObjectiveName[]): { dropped: ObjectiveName[]; added: ObjectiveName[] } {
    if (this.runs.length === 0) return { dropped: [], added: [] };
    const dropped = this.objectives.filter((o) => !objectives.includes(o));
    for (const objective of dropped) {
      const run = this.find(objective)!;
      disposeRun(run);
      this.runs = this.runs.filter((r) => r !== run);
      this.emit({ type: 'run-removed', objective });
    }
    const added = objectives.filter((o) => !this.find(o));
    for (const objective of added) this.restoreRun(objective, { step: 0, history: [], metrics: [] });
    // The runs in the order the page lists the objectives.
    this.runs = objectives.map((o) => this.find(o)!);
    return { dropped, added };
  }

  /** The run's weights and optimizer moments, read back from the backend (this fails on a lost device). */
  async snapshot(run: Run): Promise<RunWeights> {
    return { step: run.trainer.step, params: await run.model.params.snapshot(), optimizer: await run.trainer.optimizer.snapshot() };
  }

  dispose(): void {
    for (const run of this.runs) disposeRun(run);
    this.runs = [];
  }

  emitRuns(): void {
    this.emit({
      type: 'runs',
      objectives: this.objectives,
      params: Object.fromEntries(this.runs.map((r) => [r.objective, r.model.params.count()])),
    });
  }

  results(backend: BackendInfo, dataset: DatasetSummary): RunResult[] {
    return this.runs.map((r) => {
      const ms = r.history.reduce((a, h) => a + h.ms, 0);
      return {
        objective: r.objective,
        config: r.model.cfg,
        backend,
        dataset,
        steps: r.trainer.step,
        stepsPerSec: ms > 0 ? (r.history.length * 1000) / ms : 0,
        history: r.history.map(historyRow),
        metrics: r.metrics,
        final: r.metrics[r.metrics.length - 1],
      };
    });
  }
}
