import { summariseSeeds } from '../core/seedSummary';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Commands, commands, startTrainingWorker, type TrainingWorker } from '../worker/client';
import type { BackendChoice, TrainerApi, TrainEvent } from '../worker/protocol';
import { DEFAULT_SETTINGS } from '../core/config';
import { parseSettings } from '../core/settingsTable';
import { addError, INITIAL_VIEW, reduceEvent, type TrainingView } from './trainingView';

export type { RunHistory, TrainingView } from './trainingView';

/** The worker's commands as the page calls them (init is the hook's own). */
export type TrainingActions = Commands<Omit<TrainerApi, 'init'>>;

/** Step events come many a second: the page redraws them at most this often (any other event at once). */
const REDRAW_MS = 250;

/** Owns the training worker: starts it, folds its events into one view (reduceEvent), exposes its commands. */
export function useTraining(initialBackend: BackendChoice, wasmThreads = 0) {
  const workerRef = useRef<TrainingWorker | null>(null);
  const latest = useRef<TrainingView>(INITIAL_VIEW);
  const dirty = useRef(false);
  const [view, setView] = useState<TrainingView>(INITIAL_VIEW);
  const [ready, setReady] = useState(false);

  /** Applies a change to the latest view; shows it now, or with the next redraw tick. */
  const update = useCallback((change: (v: TrainingView) => TrainingView, now = true) => {
    latest.current = change(latest.current);
    if (now) {
      dirty.current = false;
      setView(latest.current);
    } else dirty.current = true;
  }, []);

  // Steps (of the runs, and of a repeat over seeds) are drawn with the next redraw tick; any other event at once.
  const onEvent = useCallback((e: TrainEvent) => update((v) => reduceEvent(v, e), e.type !== 'step' && !(e.type === 'seeds' && e.update.kind === 'step')), [update]);

  useEffect(() => {
    let cancelled = false;
    let started: TrainingWorker | undefined;
    void startTrainingWorker(onEvent, initialBackend, wasmThreads)
      .then((w) => {
        started = w;
        if (cancelled) return w.terminate();
        workerRef.current = w;
        // A handle for the console, the browser tests, `npm run bench` and `npm run experiment` (its flags go through
        // the settings table; its seed summaries).
        (globalThis as unknown as { __playground?: unknown }).__playground = { api: w.api, defaultConfig: DEFAULT_SETTINGS, parseSettings, summariseSeeds };
        setReady(true);
      })
      .catch((err: unknown) => update((v) => ({ ...v, errors: [...v.errors, `the training worker did not start: ${String(err)}`] })));
    const timer = setInterval(() => {
      if (dirty.current) update((v) => v);
    }, REDRAW_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
      started?.terminate();
      workerRef.current = null;
    };
  }, [onEvent, update, initialBackend, wasmThreads]);

  // Every command of the worker API, without listing them: a thrown error becomes a message, a load shows progress.
  const actions: TrainingActions = useMemo(
    () =>
      commands<Omit<TrainerApi, 'init'>>(
        () => workerRef.current?.api,
        async (name, call) => {
          const loads = name === 'loadFiles' || name === 'loadUrl';
          if (loads) update((v) => ({ ...v, loading: true, loadProgress: undefined }));
          try {
            return await call();
          } catch (err) {
            update((v) => addError(v, err instanceof Error ? err.message : String(err)));
            return undefined;
          } finally {
            if (loads) update((v) => ({ ...v, loading: false, loadProgress: undefined }));
          }
        },
      ),
    [update],
  );
  const dismissErrors = useCallback(() => update((v) => ({ ...v, errors: [] })), [update]);
  const dismissNotice = useCallback((message: string) => update((v) => ({ ...v, notices: v.notices.filter((n) => n !== message) })), [update]);
  return { ready, view, actions, dismissErrors, dismissNotice };
}
