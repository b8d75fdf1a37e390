import type {
  BackendInfo,
  ColumnTable,
  DatasetSummary,
  EvalMetrics,
  LoadProgress,
  LoadReport,
  MemoryInfo,
  ObjectiveName,
  ProbeInfo,
  RunOrigin,
  RunState,
  RunViz,
  SavedRunSummary,
  StepReport,
  Settings,
  TrainEvent,
} from '../worker/protocol';
import { objectiveSpec } from '../core/registry';
import { addNotice } from './notices';
import { reduceSeeds, type SeedsView } from './seedsView';

/** One run's curves, column by column (what the charts draw). */
export interface RunHistory {
  step: number[];
  loss: number[];
  lr: number[];
  imagesPerSec: number[];
  logitScale: number[];
  last?: StepReport;
}

/**
 * An imported run shown beside the live run of its objective (typically the PyTorch run that went on from it): its
 * curves and metrics, drawn and listed as their own, labelled by where it was trained. It does not train.
 */
export interface ReferenceRun {
  origin: RunOrigin;
  step: number;
  history: RunHistory;
  metrics: EvalMetrics[];
  /** The dataset it was trained on (its zip's). */
  dataset?: string;
}

/** Everything the page shows of the training worker, folded from its events. */
export interface TrainingView {
  backend?: BackendInfo;
  dataset?: DatasetSummary;
  objectives: ObjectiveName[]; // the runs there are
  params: Record<string, number>;
  state: RunState;
  step: number;
  totalSteps: number;
  memory?: MemoryInfo;
  notices: string[];
  errors: string[];
  histories: Partial<Record<ObjectiveName, RunHistory>>;
  version: number; // bumps whenever the histories change
  loading: boolean;
  graphProgress?: { done: number; total: number; cached: number };
  /** The run whose held-out evaluation is under way, and at which step. */
  evaluating?: { objective: ObjectiveName; step: number };
  datasetExport?: { done: number; total: number }; // samples written by a dataset export in progress
  metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>;
  /** Runs whose weights were not trained here (an imported PyTorch run); absent: trained in this browser. */
  origins: Partial<Record<ObjectiveName, RunOrigin>>;
  /** Reference runs beside the runs, one per objective at most; they belong to the data on screen. */
  references: Partial<Record<ObjectiveName, ReferenceRun>>;
  probe?: ProbeInfo;
  saved: SavedRunSummary[];
  currentSave?: string;
  workerConfig?: { config: Settings; objectives: ObjectiveName[] }; // set when the worker changed the config
  viz: Partial<Record<ObjectiveName, RunViz>>;
  klHistory: Partial<Record<ObjectiveName, { step: number; kl: number }[]>>;
  loadProgress?: LoadProgress;
  report?: LoadReport;
  table?: ColumnTable;
  /** Bumps whenever the runs are rebuilt or the data changes: what the page keeps of old runs (a UMAP) goes with it. */
  generation: number;
  /** The last "Repeat with n seeds" (on the data loaded now). */
  seeds?: SeedsView;
}

export const INITIAL_VIEW: TrainingView = {
  objectives: [],
  params: {},
  state: 'idle',
  step: 0,
  totalSteps: 0,
  notices: [],
  errors: [],
  histories: {},
  version: 0,
  loading: false,
  metrics: {},
  origins: {},
  references: {},
  viz: {},
  klHistory: {},
  saved: [],
  generation: 0,
};

export function emptyHistory(): RunHistory {
  return { step: [], loss: [], lr: [], imagesPerSec: [], logitScale: [] };
}

/** The history with one more step (a new object: the old one is left as it was). */
export function appendReport(h: RunHistory, r: StepReport): RunHistory {
  const scale = r.scalars.logitScale;
  return {
    step: [...h.step, r.step],
    loss: [...h.loss, r.loss],
    lr: [...h.lr, r.lr],
    imagesPerSec: [...h.imagesPerSec, r.imagesPerSec],
    logitScale: scale === undefined ? h.logitScale : [...h.logitScale, scale],
    last: r,
  };
}

/** A whole history from its step reports. */
export function historyOf(reports: StepReport[]): RunHistory {
  return {
    step: reports.map((r) => r.step),
    loss: reports.map((r) => r.loss),
    lr: reports.map((r) => r.lr),
    imagesPerSec: reports.map((r) => r.imagesPerSec),
    logitScale: reports.flatMap((r) => (r.scalars.logitScale === undefined ? [] : [r.scalars.logitScale])),
    last: reports[reports.length - 1],
  };
}

/** A run's name on the page: its objective's label, and where it was trained when that was not here. */
export function runLabel(label: string, origin: RunOrigin | undefined): string {
  return origin === 'pytorch' ? `${label} (trained in PyTorch)` : label;
}

/** A reference run's name: as runLabel, and "(imported)" for one trained in a browser (a live run has that name). */
export function referenceLabel(label: string, origin: RunOrigin): string {
  return origin === 'browser' ? `${label} (imported)` : runLabel(label, origin);
}

/** The reference runs on the page, in objective order, with their labels. */
export function referenceList(references: TrainingView['references']): { objective: ObjectiveName; label: string }[] {
  return (Object.entries(references) as [ObjectiveName, ReferenceRun][]).map(([objective, r]) => ({ objective, label: referenceLabel(objectiveSpec(objective).label, r.origin) }));
}

/** Keeps at most the last five errors. */
export function addError(view: TrainingView, message: string): TrainingView {
  return { ...view, errors: [...view.errors.slice(-4), message] };
}

function latestStep(histories: TrainingView['histories']): number {
  return Math.max(0, ...Object.values(histories).map((h) => h?.last?.step ?? 0));
}

function omit<T>(record: Partial<Record<ObjectiveName, T>>, key: ObjectiveName): Partial<Record<ObjectiveName, T>> {
  const { [key]: _, ...rest } = record;
  return rest;
}

/** The view after one event of the worker: a pure function, the one place events are interpreted. */
export function reduceEvent(v: TrainingView, e: TrainEvent): TrainingView {
  switch (e.type) {
    case 'step': {
      const histories = { ...v.histories, [e.objective]: appendReport(v.histories[e.objective] ?? emptyHistory(), e.report) };
      const memory = v.memory?.numTensors === e.memory.numTensors && v.memory?.numBytes === e.memory.numBytes ? v.memory : e.memory;
      return { ...v, histories, memory, version: v.version + 1, step: v.state === 'running' ? latestStep(histories) : v.step };
    }
    case 'runs':
      return {
        ...v,
        objectives: e.objectives,
        params: e.params,
        histories: Object.fromEntries(e.objectives.map((o) => [o, emptyHistory()])),
        version: v.version + 1,
        metrics: {},
        origins: {},
        viz: {},
        klHistory: {},
        generation: v.generation + 1,
      };
    case 'run': {
      // One run rebuilt at e.step: its curves are replaced (cut at e.step), the other runs' stay as they are.
      const o = e.objective;
      const viz = v.viz[o] && v.viz[o].step > e.step ? omit(v.viz, o) : v.viz;
      return {
        ...v,
        objectives: v.objectives.includes(o) ? v.objectives : [...v.objectives, o],
        params: { ...v.params, [o]: e.params },
        histories: { ...v.histories, [o]: historyOf(e.history) },
        version: v.version + 1,
        metrics: { ...v.metrics, [o]: e.metrics },
        origins: e.origin === 'browser' ? omit(v.origins, o) : { ...v.origins, [o]: e.origin },
        viz,
        klHistory: { ...v.klHistory, [o]: (v.klHistory[o] ?? []).filter((k) => k.step <= e.step) },
      };
    }
    case 'reference':
      return {
        ...v,
        references: { ...v.references, [e.objective]: { origin: e.origin, step: e.step, history: historyOf(e.history), metrics: e.metrics, dataset: e.dataset } },
        version: v.version + 1,
      };
    case 'reference-removed':
      return v.references[e.objective] ? { ...v, references: omit(v.references, e.objective), version: v.version + 1 } : v;
    case 'run-removed': {
      const o = e.objective;
      const { [o]: _, ...params } = v.params;
      return {
        ...v,
        objectives: v.objectives.filter((x) => x !== o),
        params,
        histories: omit(v.histories, o),
        version: v.version + 1,
        metrics: omit(v.metrics, o),
        origins: omit(v.origins, o),
        viz: omit(v.viz, o),
        klHistory: omit(v.klHistory, o),
      };
    }
    case 'config':
      return { ...v, workerConfig: { config: e.config, objectives: e.objectives } };
    case 'saved':
      return { ...v, saved: e.runs, currentSave: e.current };
    case 'probe':
      return { ...v, probe: e.probe, viz: {}, klHistory: {} };
    case 'viz':
      return {
        ...v,
        viz: { ...v.viz, [e.viz.objective]: e.viz },
        klHistory: { ...v.klHistory, [e.viz.objective]: [...(v.klHistory[e.viz.objective] ?? []), { step: e.viz.step, kl: e.viz.kl }] },
      };
    case 'metrics':
      return { ...v, metrics: { ...v.metrics, [e.objective]: [...(v.metrics[e.objective] ?? []), e.metrics] } };
    case 'evaluating':
      return { ...v, evaluating: e.done ? undefined : { objective: e.objective, step: e.step } };
    case 'dataset-export-progress':
      return { ...v, datasetExport: e.done >= e.total ? undefined : { done: e.done, total: e.total } };
    case 'graph-progress':
      return { ...v, graphProgress: e.done >= e.total ? undefined : { done: e.done, total: e.total, cached: e.cached } };
    case 'backend':
      return { ...v, backend: e.info };
    case 'dataset': {
      // A graph made without the sentence encoder: its notice about encoding captions no longer applies.
      if (!/sentence encoder/i.test(e.summary.graph)) v = { ...v, notices: v.notices.filter((n) => !/^caption graph: \d+ distinct texts encoded/.test(n)) };
      // Other data: nothing of the runs on the old one stays on screen (they remain in the saved runs' list).
      const old = v.dataset;
      // Data that loaded solves the errors of the loads before it.
      if (!old || (old.name === e.summary.name && old.size === e.summary.size)) return { ...v, dataset: e.summary, errors: [] };
      return {
        ...v,
        errors: [],
        dataset: e.summary,
        objectives: [],
        params: {},
        histories: {},
        version: v.version + 1,
        metrics: {},
        origins: {},
        references: {},
        viz: {},
        klHistory: {},
        probe: undefined,
        step: 0,
        generation: v.generation + 1,
        seeds: undefined,
      };
    }
    case 'state':
      // Training that runs again has got past the error that stopped it.
      return { ...v, state: e.state, step: e.step, totalSteps: e.totalSteps, errors: e.state === 'running' ? [] : v.errors };
    case 'load-progress':
      // Events and command replies travel on different channels: a late progress event must not reopen a load.
      return v.loading ? { ...v, loadProgress: e.progress } : v;
    case 'load-report':
      return { ...v, report: e.report, table: e.table };
    case 'notice':
      return { ...v, notices: addNotice(v.notices, e.message) };
    case 'error':
      return addError(v, e.message);
    case 'seeds': {
      const seeds = reduceSeeds(v.seeds, e.update);
      // A repeat that failed says why among the errors.
      const failed = e.update.kind === 'state' && e.update.state === 'failed' && e.update.message;
      return failed ? addError({ ...v, seeds }, failed) : { ...v, seeds };
    }
  }
}
