import { useCallback, useEffect, useRef, useState } from 'react';
import type { ObjectiveName, Settings } from '../core/config';
import { ConfigPanel } from './ConfigPanel';
import { DatasetPanel, DEMO_NAME, DEMO_URL } from './DatasetPanel';
import { DEFAULT_CLASS_TEMPLATE } from '../data/formats';
import { LossChart } from './LossChart';
import { objectiveSpec } from '../core/registry';
import { ExportPanel } from './ExportPanel';
import { HeatmapPanel } from './HeatmapPanel';
import { MetricsPanel } from './MetricsPanel';
import { ProjectionPanel } from './ProjectionPanel';
import { loadPlotly } from './Plot';
import { parseHash, toHash } from './urlConfig';
import { useTraining } from './useTraining';

const SHAPES_COUNT = 600;

function formatBytes(n: number): string {
  return n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`;
}

export function App() {
  const initial = useRef(parseHash(window.location.hash)).current;
  const [config, setConfig] = useState<Settings>(initial.config);
  const [objectives, setObjectives] = useState<ObjectiveName[]>(initial.objectives);
  const [configErrors, setConfigErrors] = useState<string[]>([]);
  /** What the link asked for and was refused (the defaults stand in), until a setting is changed. */
  const [linkErrors, setLinkErrors] = useState<string[]>(initial.errors);
  const [logY, setLogY] = useState(false);
  const [smoothing, setSmoothing] = useState(0);
  const { ready, view, actions, dismissErrors } = useTraining(initial.config.backend, initial.config.wasmThreads);
  const running = view.state === 'running';

  useEffect(() => void loadPlotly(), []);

  // First visit: the demo set (or the generated shapes with #data=shapes), configured and ready for "Train".
  useEffect(() => {
    if (!ready) return;
    void (async () => {
      if (initial.data === 'shapes') await actions.loadShapes(SHAPES_COUNT, initial.config.model.imageSize, 1);
      else await actions.loadUrl(DEMO_URL, DEMO_NAME, { imageSize: initial.config.model.imageSize, classTemplate: DEFAULT_CLASS_TEMPLATE });
      setConfigErrors((await actions.configure(initial.config, initial.objectives)) ?? []);
    })();
    // Once, when the worker is ready: later changes of config go through applyConfig.
  }, [ready]);

  const applyConfig = useCallback(
    async (next: Settings, nextObjectives: ObjectiveName[]) => {
      const backendChanged = next.backend !== config.backend;
      setConfig(next);
      setObjectives(nextObjectives);
      window.history.replaceState(null, '', toHash({ config: next, objectives: nextObjectives, data: initial.data }));
      setLinkErrors([]);
      if (backendChanged) await actions.setBackend(next.backend);
      setConfigErrors((await actions.configure(next, nextObjectives)) ?? []);
    },
    [actions, config.backend, initial.data],
  );

  // A resumed run brings its own config: show it, and keep the link in step with it.
  useEffect(() => {
    const w = view.workerConfig;
    if (!w) return;
    setConfig(w.config);
    setObjectives(w.objectives);
    setConfigErrors([]);
    window.history.replaceState(null, '', toHash({ config: w.config, objectives: w.objectives, data: initial.data }));
  }, [view.workerConfig, initial.data]);

  const runs = view.objectives;
  const lastReports = runs.map((o) => view.histories[o]?.last).filter((r) => r !== undefined);
  const imagesPerSec = lastReports.length > 0 ? lastReports.reduce((s, r) => s + r!.imagesPerSec, 0) / lastReports.length : 0;
  const stepsPerSec = imagesPerSec / Math.max(1, config.batchSize) / Math.max(1, runs.length);
  const remaining = stepsPerSec > 0 ? (view.totalSteps - view.step) / stepsPerSec : NaN;
  const epoch = lastReports[0]?.epoch ?? 0;
  // The curves' x axes span the run that trains (or, before one starts, the configured one).
  const chartSteps = view.totalSteps || config.steps;

  return (
    <div className="app">
      <header className="header">
        <h1>X-Sample Playground</h1>
        <span data-testid="dataset-name">{view.dataset ? `${view.dataset.name} · ${view.dataset.size} images` : 'no dataset'}</span>
        <span data-testid="backend" data-backend={view.backend?.active ?? ''} title={view.backend?.notice}>
          backend: <b>{view.backend?.active ?? 'starting…'}</b>
          {view.backend && <small> ({view.backend.adapter})</small>}
        </span>
        <span data-testid="memory">{view.memory ? `${view.memory.numTensors} tensors · ${formatBytes(view.memory.numBytes)}` : ''}</span>
        <span className="private">data stays on this device</span>
      </header>
      <main className="columns">
        <aside className="left">
          <DatasetPanel
            view={view}
            imageSize={config.model.imageSize}
            disabled={!ready}
            onLoadFiles={(files, source, opts) => void actions.loadFiles(files, source, opts)}
            onLoadDemo={(opts) => void actions.loadUrl(DEMO_URL, DEMO_NAME, opts)}
            onLoadShapes={() => void actions.loadShapes(SHAPES_COUNT, config.model.imageSize, 1)}
            onCancel={() => void actions.cancelLoad()}
            fetchPreview={actions.preview}
            tauS={config.tauS}
            fetchNeighbours={actions.targetNeighbours}
          />
          <ConfigPanel
            config={config}
            objectives={objectives}
            disabled={running || !ready}
            errors={configErrors}
            onChange={applyConfig}
            onGraphFile={async (file) => {
              const msg = await actions.setGraphFile(file.name, await file.arrayBuffer());
              if (msg) setConfigErrors([]);
              return msg;
            }}
          />
        </aside>
        <section className="centre">
          <div className="controls" role="toolbar" aria-label="Run controls">
            {running ? (
              <button onClick={() => void actions.pause()} data-testid="pause">
                Pause
              </button>
            ) : (
              <button
                className="primary"
                onClick={() => void actions.start()}
                disabled={!ready || !view.dataset || view.loading || configErrors.length > 0 || view.state === 'done'}
                data-testid="start"
              >
                {runs.length > 1 || objectives.length > 1 ? 'Train both' : 'Train'}
              </button>
            )}
            <button onClick={() => void actions.step()} disabled={!ready || running || view.state === 'done' || configErrors.length > 0} data-testid="step">
              Step
            </button>
            <button onClick={() => void actions.reset()} disabled={!ready} data-testid="reset">
              Reset
            </button>
            <label className="toggle">
              <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} data-testid="log-scale" /> log scale
            </label>
            <label title="exponential moving average of the training loss">
              smoothing{' '}
              <input type="range" min={0} max={0.95} step={0.05} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} data-testid="smoothing" />
            </label>
          </div>
          <div className="progress" data-testid="progress" data-step={view.step} data-state={view.state}>
            <progress max={view.totalSteps || 1} value={view.step} />
            <span>
              step {view.step} / {view.totalSteps} · epoch {Math.max(0, epoch) + (view.step > 0 ? 1 : 0)} · {imagesPerSec.toFixed(0)} img/s
              {Number.isFinite(remaining) && running && ` · ${Math.ceil(remaining)} s left`} · {view.state}
            </span>
          </div>
          <div className="run-summary">
            {runs.map((o) => {
              const last = view.histories[o]?.last;
              return (
                <span key={o} className="run-chip" style={{ borderColor: objectiveSpec(o).colour }} data-testid={`run-${o}`} data-loss={last?.loss ?? ''}>
                  {objectiveSpec(o).label}: {last ? `loss ${last.loss.toFixed(3)}` : 'not started'}
                  {last?.scalars.logitScale !== undefined && ` · t ${last.scalars.logitScale.toFixed(1)}`}
                  <small> · {(view.params[o] ?? 0).toLocaleString()} params</small>
                </span>
              );
            })}
          </div>
          {linkErrors.map((e) => (
            <p key={e} className="notice" data-testid="link-error">
              the link&apos;s {e}; the default is used
            </p>
          ))}
          {[...view.notices].reverse().map((n) => (
            <p key={n} className="notice" data-testid="notice">
              {n}
            </p>
          ))}
          {view.errors.length > 0 && (
            <div className="errors" role="alert" data-testid="errors">
              {view.errors.map((e) => (
                <p key={e}>{e}</p>
              ))}
              <button onClick={dismissErrors}>Dismiss</button>
            </div>
          )}
          {view.dataset ? (
            <LossChart histories={view.histories} version={view.version} logY={logY} smoothing={smoothing} metrics={view.metrics} totalSteps={chartSteps} />
          ) : (
            // Plotly builds its first chart after the data has loaded, not while the worker decodes it: both at
            // once on two cores make that chart's cold first draw a long task.
            <div className="plot placeholder">The loss of every run appears here once a dataset has loaded.</div>
          )}
          <MetricsPanel metrics={view.metrics} totalSteps={chartSteps} />
          <ExportPanel
            objectives={view.objectives}
            steps={Object.fromEntries(view.objectives.map((o) => [o, view.histories[o]?.last?.step ?? 0]))}
            saved={view.saved}
            currentSave={view.currentSave}
            busy={running || view.loading}
            exportRun={actions.exportRun}
            importRun={actions.importRun}
            renameSaved={actions.renameSaved}
            deleteSaved={actions.deleteSaved}
            resumeSaved={actions.resumeSaved}
          />
        </section>
        <section className="right">
          <HeatmapPanel probe={view.probe} viz={view.viz} objectives={view.objectives} klHistory={view.klHistory} totalSteps={chartSteps} />
          <ProjectionPanel probe={view.probe} viz={view.viz} objectives={view.objectives} fetchEmbeddings={actions.embeddings} running={running} />
        </section>
      </main>
    </div>
  );
}
