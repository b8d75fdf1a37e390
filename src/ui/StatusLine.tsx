import { useEffect, useRef } from 'react';
import { EtaEstimator, formatEta } from './eta';
import { objectiveSpec } from '../core/registry';
import type { TrainingView } from './trainingView';
import { describeSeeds, repeating } from './seedsView';

const n = (x: number) => x.toLocaleString('en-US');

/** Run-steps done so far over every run, and to do in all. */
function work(view: TrainingView): { done: number; total: number } {
  const done = view.objectives.reduce((s, o) => s + (view.histories[o]?.last?.step ?? 0), 0);
  return { done, total: view.objectives.length * view.totalSteps };
}

/** What the app is doing now, as a word (the status line's data-phase). */
export type StatusPhase = 'failed' | 'starting' | 'loading' | 'encoding' | 'training' | 'evaluating' | 'paused' | 'done' | 'ready';

export function statusPhase(view: TrainingView, ready: boolean): StatusPhase {
  if (view.errors.length > 0 && !ready) return 'failed';
  if (!ready) return 'starting';
  if (view.loading || !view.dataset) return 'loading';
  if (view.graphProgress) return 'encoding';
  if (view.evaluating) return 'evaluating';
  return view.state === 'running' ? 'training' : view.state === 'idle' ? 'ready' : view.state;
}

/** What is happening now, in one sentence (and what `secondsLeft` says while training). */
export function describeStatus(view: TrainingView, ready: boolean, secondsLeft?: number, loading = 'the data'): string {
  if (view.errors.length > 0 && !ready) return 'The training worker could not start: see the message below.';
  if (!ready) return 'Starting the training worker and its TensorFlow.js backend…';
  const backend = view.backend ? ` on ${view.backend.active === 'webgpu' ? 'WebGPU' : view.backend.active === 'webgl' ? 'WebGL' : view.backend.active === 'wasm' ? 'WebAssembly' : 'the CPU'}` : '';
  if (view.loading) {
    const p = view.loadProgress;
    if (!p) return `Loading ${loading}…`;
    return `Loading ${loading}: ${p.phase === 'reading' ? 'reading files' : 'decoding images'} ${n(p.done)} / ${n(p.total)}${p.etaSec > 1 ? ` (${formatEta(Math.round(p.etaSec))} left)` : ''}`;
  }
  if (view.graphProgress) return `Encoding the captions with the sentence encoder: ${n(view.graphProgress.done)} / ${n(view.graphProgress.total)}`;
  if (!view.dataset) return 'Loading the demo set…';
  if (view.seeds && view.state !== 'running' && repeating(view.seeds)) return describeSeeds(view.seeds, backend);
  const runs = view.objectives.map((o) => objectiveSpec(o).label).join(' and ');
  const left = secondsLeft !== undefined ? ` · ${formatEta(secondsLeft)} left` : '';
  if (view.evaluating) {
    const { objective, step } = view.evaluating;
    const what = `Evaluating ${objectiveSpec(objective).label} at step ${n(step)} on the held-out images (loss, k-NN, linear probe, retrieval, graph ρ)`;
    return view.state === 'running' ? `${what}, then training goes on${backend}: step ${n(view.step)} of ${n(view.totalSteps)}${left}` : `${what}…`;
  }
  switch (view.state) {
    case 'running':
      return `Training ${runs}${backend}: step ${n(view.step)} of ${n(view.totalSteps)}${secondsLeft !== undefined ? ` · ${formatEta(secondsLeft)} left` : ' · measuring the speed…'}`;
    case 'paused':
      return `Paused at step ${n(view.step)} of ${n(view.totalSteps)}. Train goes on from here.`;
    case 'done':
      return `Done: ${runs} trained for ${n(view.totalSteps)} steps. Compare the metrics and pictures, compute UMAP, or export the runs.`;
    default:
      return `Ready with ${view.dataset.name}. Press Train to start.`;
  }
}

/**
 * One line from the first paint: what the app is doing now (starting, loading n/N, encoding captions n/N, training
 * with a steady time-left estimate, evaluating a run on the held-out images), and, until something has trained, what the app is and what to do first.
 */
export function StatusLine({ view, ready, configuredRuns, loading }: { view: TrainingView; ready: boolean; configuredRuns: number; loading?: string }) {
  const eta = useRef(new EtaEstimator());
  const { done, total } = work(view);
  const running = view.state === 'running';
  useEffect(() => {
    if (!running) eta.current.reset();
    else eta.current.add(performance.now(), done);
  }, [running, done]);
  const secondsLeft = running ? eta.current.secondsLeft(total) : undefined;
  const trained = done > 0;
  return (
    <div className="status" role="status" aria-live="polite" data-testid="status" data-phase={statusPhase(view, ready)} data-seconds-left={secondsLeft ?? ''}>
      {!trained && (
        <p className="intro" data-testid="intro">
          <b>X-Sample Playground</b> trains a small Vision Transformer in this tab, twice on the same pictures: once with
          CLIP's objective (each image matches only its own caption) and once with X-Sample's (similar captions make
          similar images). <b>What to do:</b> {view.dataset ? '' : 'wait a moment for the demo set of emoji to load, then '}
          press <b>{configuredRuns > 1 ? 'Train both' : 'Train'}</b> and watch the curves, heatmaps and projections part
          ways. Your own folder of images with captions works too: drop it anywhere.
        </p>
      )}
      <p className="status-line">
        <span className={`dot ${running || view.seeds?.state === 'running' || view.loading || view.graphProgress || view.evaluating || !ready ? 'busy' : ''}`} aria-hidden />
        {describeStatus(view, ready, secondsLeft, loading)}
      </p>
    </div>
  );
}
