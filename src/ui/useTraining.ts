import { summariseSeeds } from '../core/seedSummary';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type BackendChoice, DEFAULT_CONFIG, type ObjectiveName, type TrainConfig } from '../core/config';
import type { StepReport } from '../core/trainer';
import { startTrainingWorker, type TrainingWorker } from '../worker/client';
import type { EvalMetrics } from '../core/evaluate';
import type { Detection } from '../data/formats';
import type { LoadReport } from '../data/loadReport';
import { addNotice } from './notices';
import type {
  BackendInfo,
  DatasetSummary,
  LoadOptions,
  LoadOutcome,
  LoadProgress,
  MemoryInfo,
  ProbeInfo,
  RunState,
  RunViz,
  SavedRunSummary,
  SourceFile,
  TrainEvent,
} from '../worker/protocol';

/** Per-objective histories, appended to in place and read by the charts on each redraw tick. */
export interface RunHistory {
  step: number[];
  loss: number[];
  lr: number[];
  imagesPerSec: number[];
  logitScale: number[];
  last?: StepReport;
}

export interface TrainingView {
  backend?: BackendInfo;
  dataset?: DatasetSummary;
  objectives: ObjectiveName[];
  params: Record<string, number>;
  state: RunState;
  step: number;
  totalSteps: number;
  memory?: MemoryInfo;
  notices: string[];
  errors: string[];
  histories: Partial<Record<ObjectiveName, RunHistory>>;
  version: number; // bumps when histories changed, at most every REDRAW_MS
  loading: boolean;
  graphProgress?: { done: number; total: number; cached: number };
  metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>;
  probe?: ProbeInfo;
  saved: SavedRunSummary[];
  currentSave?: string;
  workerConfig?: { config: TrainConfig; objectives: ObjectiveName[] }; // set when the worker changed the config
  viz: Partial<Record<ObjectiveName, RunViz>>;
  klHistory: Partial<Record<ObjectiveName, { step: number; kl: number }[]>>;
  loadProgress?: LoadProgress;
  report?: LoadReport;
  table?: Detection['table'];
}

const REDRAW_MS = 250;

function emptyHistory(): RunHistory {
  return { step: [], loss: [], lr: [], imagesPerSec: [], logitScale: [] };
}

/** Owns the training worker: starts it, folds its events into one view, exposes its commands. */
export function useTraining(initialBackend: BackendChoice) {
  const workerRef = useRef<TrainingWorker | null>(null);
  const histories = useRef<Partial<Record<ObjectiveName, RunHistory>>>({});
  const dirty = useRef(false);
  const [view, setView] = useState<TrainingView>({
    objectives: [],
    params: {},
    state: 'idle',
    step: 0,
    totalSteps: 0,
    notices: [],
    errors: [],
    histories: histories.current,
    version: 0,
    loading: false,
    metrics: {},
    viz: {},
    klHistory: {},
    saved: [],
  });
  const [ready, setReady] = useState(false);

  const onEvent = useCallback((e: TrainEvent) => {
    switch (e.type) {
      case 'step': {
        const h = (histories.current[e.objective] ??= emptyHistory());
        h.step.push(e.report.step);
        h.loss.push(e.report.loss);
        h.lr.push(e.report.lr);
        h.imagesPerSec.push(e.report.imagesPerSec);
        if (e.report.scalars.logitScale !== undefined) h.logitScale.push(e.report.scalars.logitScale);
        h.last = e.report;
        dirty.current = true;
        setView((v) => (v.memory?.numTensors === e.memory.numTensors && v.memory?.numBytes === e.memory.numBytes ? v : { ...v, memory: e.memory }));
        return;
      }
      case 'runs':
        histories.current = Object.fromEntries(e.objectives.map((o) => [o, emptyHistory()]));
        dirty.current = true;
        return setView((v) => ({ ...v, objectives: e.objectives, params: e.params, histories: histories.current, metrics: {}, viz: {}, klHistory: {} }));
      case 'config':
        return setView((v) => ({ ...v, workerConfig: { config: e.config, objectives: e.objectives } }));
      case 'saved':
        return setView((v) => ({ ...v, saved: e.runs, currentSave: e.current }));
      case 'probe':
        return setView((v) => ({ ...v, probe: e.probe, viz: {}, klHistory: {} }));
      case 'viz':
        return setView((v) => ({
          ...v,
          viz: { ...v.viz, [e.viz.objective]: e.viz },
          klHistory: { ...v.klHistory, [e.viz.objective]: [...(v.klHistory[e.viz.objective] ?? []), { step: e.viz.step, kl: e.viz.kl }] },
        }));
      case 'metrics':
        return setView((v) => ({ ...v, metrics: { ...v.metrics, [e.objective]: [...(v.metrics[e.objective] ?? []), e.metrics] } }));
      case 'graph-progress':
        return setView((v) => ({ ...v, graphProgress: e.done >= e.total ? undefined : { done: e.done, total: e.total, cached: e.cached } }));
      case 'backend':
        return setView((v) => ({ ...v, backend: e.info }));
      case 'dataset':
        return setView((v) => ({ ...v, dataset: e.summary }));
      case 'state':
        // Flush the histories with the state, so that a finished run is drawn to its last step.
        dirty.current = false;
        return setView((v) => ({ ...v, state: e.state, step: e.step, totalSteps: e.totalSteps, histories: histories.current, version: v.version + 1 }));
      case 'load-progress':
        // Events and command replies travel on different channels: a late progress event must not reopen a load.
        return setView((v) => (v.loading ? { ...v, loadProgress: e.progress } : v));
      case 'load-report':
        return setView((v) => ({ ...v, report: e.report, table: e.table }));
      case 'notice':
        return setView((v) => ({ ...v, notices: addNotice(v.notices, e.message) }));
      case 'error':
        return setView((v) => ({ ...v, errors: [...v.errors.slice(-4), e.message] }));
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    let started: TrainingWorker | undefined;
    void startTrainingWorker(onEvent, initialBackend)
      .then((w) => {
        started = w;
        if (cancelled) return w.terminate();
        workerRef.current = w;
        // A handle for the console, the browser tests, `npm run bench` and `npm run experiment` (its seed summaries).
        (globalThis as unknown as { __playground?: unknown }).__playground = { api: w.api, defaultConfig: DEFAULT_CONFIG, summariseSeeds };
        setReady(true);
      })
      .catch((err: unknown) => setView((v) => ({ ...v, errors: [...v.errors, `the training worker did not start: ${String(err)}`] })));
    const timer = setInterval(() => {
      if (!dirty.current) return;
      dirty.current = false;
      setView((v) => {
        const step = Math.max(0, ...Object.values(histories.current).map((h) => h?.last?.step ?? 0));
        return { ...v, histories: histories.current, version: v.version + 1, step: v.state === 'running' ? step : v.step };
      });
    }, REDRAW_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
      started?.terminate();
      workerRef.current = null;
    };
  }, [onEvent, initialBackend]);

  /** Runs a worker command and turns a thrown error into a visible message. */
  const command = useCallback(async <T,>(f: (w: TrainingWorker) => Promise<T>): Promise<T | undefined> => {
    const w = workerRef.current;
    if (!w) return undefined;
    try {
      return await f(w);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setView((v) => ({ ...v, errors: [...v.errors.slice(-4), message] }));
      return undefined;
    }
  }, []);

  /** Runs a load; the view shows progress until it ends, whatever the outcome. */
  const load = useCallback(
    async (f: (w: TrainingWorker) => Promise<LoadOutcome>) => {
      setView((v) => ({ ...v, loading: true, loadProgress: undefined }));
      const outcome = await command(f);
      setView((v) => ({ ...v, loading: false, loadProgress: undefined }));
      return outcome;
    },
    [command],
  );

  const actions = useMemo(() => ({
    loadFiles: (files: SourceFile[], source: string, opts: LoadOptions) => load((w) => w.loadFiles(files, source, opts)),
    loadUrl: (url: string, source: string, opts: LoadOptions) => load((w) => w.api.loadUrl(url, source, opts)),
    cancelLoad: () => command((w) => w.api.cancelLoad()),
    preview: (n: number) => command((w) => w.api.preview(n)),
    targetNeighbours: (index: number, tauS: number, k: number) => command((w) => w.api.targetNeighbours(index, tauS, k)),
    exportRun: (objective: ObjectiveName) => command((w) => w.api.exportRun(objective)),
    importRun: (files: SourceFile[]) => command((w) => w.api.importRun(files)),
    renameSaved: (id: string, name: string) => command((w) => w.api.renameSaved(id, name)),
    deleteSaved: (id: string) => command((w) => w.api.deleteSaved(id)),
    resumeSaved: (id: string) => command((w) => w.api.resumeSaved(id)),
    embeddings: (objective: ObjectiveName, cap: number) => command((w) => w.api.embeddings(objective, cap)),
    setGraphFile: (file: File) => command(async (w) => w.api.setGraphFile(file.name, await file.arrayBuffer())),
    configure: (cfg: TrainConfig, objectives: ObjectiveName[]) => command((w) => w.api.configure(cfg, objectives)),
    loadShapes: (count: number, size: number, seed: number) => command((w) => w.api.loadShapes(count, size, seed)),
    start: () => command((w) => w.api.start()),
    pause: () => command((w) => w.api.pause()),
    step: () => command((w) => w.api.step()),
    reset: () => command((w) => w.api.reset()),
    setBackend: (b: BackendChoice) => command((w) => w.api.setBackend(b)),
    dismissErrors: () => setView((v) => ({ ...v, errors: [] })),
  }), [command, load]);
  return { ready, view, actions };
}
