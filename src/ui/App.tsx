import { SafeText } from './safeText';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ObjectiveName, Settings } from '../core/config';
import { ConfigPanel } from './ConfigPanel';
import { ConfusionPanel } from './ConfusionPanel';
import { DatasetPanel, DEMO_NAME, DEMO_URL } from './DatasetPanel';
import { ErrorBoundary } from './ErrorBoundary';
import { DEFAULT_CLASS_TEMPLATE } from '../data/formats';
import { LossChart } from './LossChart';
import { objectiveSpec } from '../core/registry';
import { ExportPanel } from './ExportPanel';
import { HeatmapPanel } from './HeatmapPanel';
import { MetricsPanel } from './MetricsPanel';
import { ProjectionPanel } from './ProjectionPanel';
import { loadPlotly } from './Plot';
import { humanNotice } from './notices';
import { lastSaved, ResumeOffer } from './ResumeOffer';
import { type FolderHandle, recallFolder, reopenFolder } from './folderMemory';
import { SharePanel } from './SharePanel';
import { StatusLine } from './StatusLine';
import { SeedsPanel } from './SeedsPanel';
import { repeating } from './seedsView';
import { TryItPanel } from './TryItPanel';
import { parseHash, toHash } from './urlConfig';
import { referenceList } from './trainingView';
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
  const { ready, view, actions, dismissErrors, dismissNotice } = useTraining(initial.config.backend, initial.config.wasmThreads);
  const running = view.state === 'running';
  const [offerDismissed, setOfferDismissed] = useState(false);
  // The folder opened last with the directory picker, kept in IndexedDB: the resume offer can read it again.
  const [folder, setFolder] = useState<{ handle: FolderHandle; note?: string }>();
  useEffect(() => void recallFolder().then((handle) => handle && setFolder({ handle })), []);
  // What is loading, in words, for the status line ("the demo set", "my-photos").
  const [loadLabel, setLoadLabel] = useState<string>();
  // An image of the dataset clicked anywhere on the page: a question for "Try it".
  const [pick, setPick] = useState<{ index: number; nonce: number }>();
  const pickSample = useCallback((index: number) => setPick((p) => ({ index, nonce: (p?.nonce ?? 0) + 1 })), []);
  // A click on the dataset preview asks for its X-Sample target (TargetViewer) and, once there are runs, "Try it".
  // Stable, so that the viewer fetches once per image and τ_s, not on every render.
  const lastPicked = useRef<number>(undefined);
  const fetchNeighbours = useCallback(
    (index: number, tauS: number, k: number) => {
      if (liveRef.current.view.objectives.length > 0 && lastPicked.current !== index) {
        lastPicked.current = index;
        pickSample(index);
      }
      return actions.targetNeighbours(index, tauS, k);
    },
    [actions, pickSample],
  );

  // Runs that have trained at least a step: what an action that replaces them would lose.
  const liveRuns = view.objectives.filter((o) => (view.histories[o]?.last?.step ?? 0) > 0);
  const liveRef = useRef({ liveRuns, view });
  liveRef.current = { liveRuns, view };
  /** Asks before an action discards runs that have trained (window.confirm); true to go on. */
  const confirmDiscard = useCallback((action: string, which?: ObjectiveName[]): boolean => {
    const { liveRuns: live, view: v } = liveRef.current;
    const lost = live.filter((o) => !which || which.includes(o));
    if (lost.length === 0) return true;
    const list = lost.map((o) => `${objectiveSpec(o).label} at step ${v.histories[o]?.last?.step ?? 0}`).join(' and ');
    return window.confirm(`${action} discards the ${list} run${lost.length > 1 ? 's' : ''} on screen. Continue?`);
  }, []);

  useEffect(() => void loadPlotly(), []);

  // First visit: the demo set (or the generated shapes with #data=shapes), configured and ready for "Train".
  useEffect(() => {
    if (!ready) return;
    void (async () => {
      if (initial.data === 'shapes') await actions.loadShapes(SHAPES_COUNT, initial.config.model.imageSize, 1);
      else {
        setLoadLabel(`the demo set (${DEMO_NAME})`);
        await actions.loadUrl(DEMO_URL, DEMO_NAME, { imageSize: initial.config.model.imageSize, classTemplate: DEFAULT_CLASS_TEMPLATE });
      }
      setConfigErrors((await actions.configure(initial.config, initial.objectives)) ?? []);
    })();
    // Once, when the worker is ready: later changes of config go through applyConfig.
  }, [ready]);

  /** A load the user asked for: confirmed when it would discard runs, and named on the status line. */
  const loadAfterAsking = (action: string, label: string, load: () => Promise<unknown>) => {
    if (!confirmDiscard(action)) return;
    setLoadLabel(label);
    void load();
  };

  const applyConfig = useCallback(
    async (next: Settings, nextObjectives: ObjectiveName[]) => {
      // Only the objectives changed: the runs of those still ticked stay (a new one starts beside them); any other
      // change of the config starts every run afresh.
      const onlyObjectives = JSON.stringify(next) === JSON.stringify(config);
      const dropped = onlyObjectives ? objectives.filter((o) => !nextObjectives.includes(o)) : undefined;
      if (!confirmDiscard(onlyObjectives ? 'Unticking this objective' : 'Changing the settings', dropped)) return;
      const backendChanged = next.backend !== config.backend;
      setConfig(next);
      setObjectives(nextObjectives);
      window.history.replaceState(null, '', toHash({ config: next, objectives: nextObjectives, data: initial.data }));
      setLinkErrors([]);
      if (backendChanged) await actions.setBackend(next.backend);
      setConfigErrors((await actions.configure(next, nextObjectives)) ?? []);
    },
    [actions, config, objectives, initial.data, confirmDiscard],
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
      {/* Until there are pictures (heatmaps, projections, Try it), the centre takes the right column's room too. */}
      <main className={view.probe ? 'columns' : 'columns no-pictures'}>
        <aside className="left">
          <DatasetPanel
            view={view}
            imageSize={config.model.imageSize}
            disabled={!ready}
            onLoadFiles={(files, source, opts) => loadAfterAsking('Loading new data', source, () => actions.loadFiles(files, source, opts))}
            onLoadDemo={(opts) => loadAfterAsking('Loading the demo set', `the demo set (${DEMO_NAME})`, () => actions.loadUrl(DEMO_URL, DEMO_NAME, opts))}
            onLoadShapes={() => loadAfterAsking('Loading the shapes', 'the generated shapes', () => actions.loadShapes(SHAPES_COUNT, config.model.imageSize, 1))}
            onCancel={() => void actions.cancelLoad()}
            fetchPreview={actions.preview}
            tauS={config.tauS}
            fetchNeighbours={fetchNeighbours}
          />
          <ConfigPanel
            config={config}
            objectives={objectives}
            disabled={running || repeating(view.seeds) || !ready}
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
          {!offerDismissed && view.objectives.length === 0 && view.state === 'idle' && lastSaved(view.saved) && (
            <ResumeOffer
              saved={lastSaved(view.saved)!}
              dataset={view.dataset}
              busy={!ready || view.loading}
              onResume={(id) => void actions.resumeSaved(id)}
              onDismiss={() => setOfferDismissed(true)}
              folder={folder?.handle.name}
              note={folder?.note}
              onReopen={(id) =>
                void (async () => {
                  if (!folder) return;
                  const got = await reopenFolder(folder.handle).catch((err: unknown) => ({ refused: `the folder could not be read: ${String(err)}` }));
                  if ('refused' in got) return setFolder({ ...folder, note: got.refused });
                  setLoadLabel(folder.handle.name);
                  const outcome = await actions.loadFiles(got.files, folder.handle.name, { imageSize: config.model.imageSize, classTemplate: DEFAULT_CLASS_TEMPLATE });
                  if (outcome?.summary) await actions.resumeSaved(id);
                })()
              }
            />
          )}
          <StatusLine view={view} ready={ready} loading={loadLabel} configuredRuns={Math.max(runs.length, objectives.length)} />
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
            <button onClick={() => confirmDiscard('Reset') && void actions.reset()} disabled={!ready} data-testid="reset">
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
              {' '}· {view.state}
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
          <SharePanel view={view} config={config} objectives={objectives} link={`${window.location.origin}${window.location.pathname}${toHash({ config, objectives, data: initial.data })}`} />
          {linkErrors.map((e) => (
            <p key={e} className="notice" data-testid="link-error">
              the link&apos;s <SafeText text={e} max={2000} />; the default is used
            </p>
          ))}
          {[...view.notices].reverse().map((n) => (
            <p key={n} className="notice" data-testid="notice" data-raw={n}>
              <SafeText text={humanNotice(n)} max={2000} />
              {/* The × is drawn by CSS: the notice's text stays the sentence alone. */}
              <button className="dismiss" onClick={() => dismissNotice(n)} aria-label="dismiss this notice" title="dismiss" data-testid="dismiss-notice" />
            </p>
          ))}
          {view.errors.length > 0 && (
            <div className="errors" role="alert" data-testid="errors">
              {view.errors.map((e) => (
                <p key={e}>
                  {/* Errors quote file names and captions: isolated, bidi controls shown as marks. */}
                  <SafeText text={e} max={2000} />
                </p>
              ))}
              <button onClick={dismissErrors}>Dismiss</button>
            </div>
          )}
          {view.dataset ? (
            <ErrorBoundary name="The loss chart">
              <LossChart histories={view.histories} version={view.version} logY={logY} smoothing={smoothing} metrics={view.metrics} totalSteps={chartSteps} seeds={view.seeds} origins={view.origins} references={view.references} onRemoveReference={(o) => void actions.removeReference(o)} />
            </ErrorBoundary>
          ) : (
            // Plotly builds its first chart after the data has loaded, not while the worker decodes it: both at
            // once on two cores make that chart's cold first draw a long task.
            <div className="plot placeholder">The loss of every run appears here once a dataset has loaded.</div>
          )}
          <ErrorBoundary name="The metrics">
            <MetricsPanel metrics={view.metrics} totalSteps={chartSteps} origins={view.origins} references={view.references} />
          </ErrorBoundary>
          <ErrorBoundary name="Repeat with seeds">
          <SeedsPanel
            seeds={view.seeds}
            sessionSeed={config.seed}
            objectives={objectives}
            canStart={ready && !!view.dataset && !view.loading && configErrors.length === 0}
            training={running ? { step: view.step } : undefined}
            repeatSeeds={actions.repeatSeeds}
            pauseSeeds={actions.pauseSeeds}
            resumeSeeds={actions.resumeSeeds}
            cancelSeeds={actions.cancelSeeds}
          />
          </ErrorBoundary>
          <ErrorBoundary name="The confusion matrices">
            <ConfusionPanel metrics={view.metrics} dataset={view.dataset} />
          </ErrorBoundary>
          <ExportPanel
            objectives={view.objectives}
            steps={Object.fromEntries(view.objectives.map((o) => [o, view.histories[o]?.last?.step ?? 0]))}
            saved={view.saved}
            currentSave={view.currentSave}
            busy={running || view.loading}
            exportRun={actions.exportRun}
            importRun={actions.importRun}
            references={referenceList(view.references)}
            continueFromReference={actions.continueFromReference}
            hasData={view.dataset !== undefined}
            exportDataset={actions.exportDataset}
            datasetExport={view.datasetExport}
            renameSaved={actions.renameSaved}
            deleteSaved={actions.deleteSaved}
            resumeSaved={async (id) => confirmDiscard('Resuming a saved run') && actions.resumeSaved(id)}
          />
        </section>
        <section className="right">
          <ErrorBoundary name="Try it">
            <TryItPanel key={`try-${view.generation}`} objectives={view.objectives} imageSize={view.dataset?.imageSize ?? config.model.imageSize} pick={pick} ask={actions.tryIt} />
          </ErrorBoundary>
          <ErrorBoundary name="The heatmaps">
            <HeatmapPanel probe={view.probe} viz={view.viz} objectives={view.objectives} klHistory={view.klHistory} totalSteps={chartSteps} />
          </ErrorBoundary>
          <ErrorBoundary name="The projection">
            <ProjectionPanel key={view.generation} onPick={pickSample} probe={view.probe} viz={view.viz} objectives={view.objectives} fetchEmbeddings={actions.embeddings} running={running} />
          </ErrorBoundary>
        </section>
      </main>
    </div>
  );
}
