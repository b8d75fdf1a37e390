import { useEffect, useRef, useState } from 'react';
import type { ColumnChoice } from '../data/formats';
import { DEFAULT_CLASS_TEMPLATE } from '../data/formats';
import type { DatasetPreview as Preview, DatasetSummary, LoadOptions, LoadProgress, SourceFile, TargetNeighbours } from '../worker/protocol';
import { TargetViewer } from './TargetViewer';
import { DatasetPreview } from './DatasetPreview';
import { describeSource, fromDataTransfer, fromDirectoryPicker, fromFileList, hasDirectoryPicker } from './collectFiles';
import { ErrorBoundary } from './ErrorBoundary';
import { LoadReportView } from './LoadReportView';
import { SafeText } from './safeText';
import type { TrainingView } from './useTraining';

export const DEMO_URL = new URL(`${import.meta.env.BASE_URL}demo/fluent-emoji-flat.zip`, window.location.href).href;
export const DEMO_NAME = 'Fluent Emoji (flat) demo';

interface Props {
  view: TrainingView;
  imageSize: number;
  disabled: boolean;
  onLoadFiles: (files: SourceFile[], source: string, opts: LoadOptions) => void;
  onLoadDemo: (opts: LoadOptions) => void;
  onLoadShapes: () => void;
  onCancel: () => void;
  fetchPreview: (n: number) => Promise<Preview | undefined>;
  tauS: number;
  fetchNeighbours: (index: number, tauS: number, k: number) => Promise<TargetNeighbours | undefined>;
}

function Progress({ p, onCancel }: { p?: LoadProgress; onCancel: () => void }) {
  return (
    <div className="load-progress" data-testid="load-progress">
      <progress max={p?.total ?? 1} value={p?.done ?? 0} />
      <span>
        {p ? `${p.phase} ${p.done} / ${p.total}` : 'reading files…'}
        {p && p.phase === 'decoding' && ` · ${p.filesPerSec.toFixed(0)} files/s · ${Number.isFinite(p.etaSec) ? `${Math.ceil(p.etaSec)} s left` : ''}`}
      </span>
      <button onClick={onCancel} data-testid="cancel-load">
        Cancel
      </button>
    </div>
  );
}

function Summary({ d }: { d: DatasetSummary }) {
  return (
    <p data-testid="dataset-summary">
      <b>
        <SafeText text={d.name} max={120} />
      </b>
      : {d.trainSize} training and {d.heldOutSize} held-out images ({d.heldOutBy}) at {d.imageSize}×{d.imageSize}
      {d.labels > 0 && `, ${d.labels} labels`}. X-Sample graph: {d.graph}.
    </p>
  );
}

/** Where data comes in: the demo set, generated shapes, a folder, files or a zip; then the load report. */
export function DatasetPanel({ view, imageSize, disabled, onLoadFiles, onLoadDemo, onLoadShapes, onCancel, fetchPreview, tauS, fetchNeighbours }: Props) {
  const [selected, setSelected] = useState<number>();
  useEffect(() => setSelected(undefined), [view.dataset]);
  const folderInput = useRef<HTMLInputElement>(null);
  const [template, setTemplate] = useState(DEFAULT_CLASS_TEMPLATE);
  const last = useRef<{ files: SourceFile[]; source: string } | null>(null);
  useEffect(() => {
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, []);
  const opts = (columns?: ColumnChoice): LoadOptions => ({ imageSize, classTemplate: template.includes('{label}') ? template : DEFAULT_CLASS_TEMPLATE, columns });
  const load = (files: SourceFile[], source = describeSource(files)) => {
    last.current = { files, source };
    onLoadFiles(files, source, opts());
  };
  // Folders, files and zips dropped anywhere on the page load like the inputs' (with the edited class caption).
  const loadLatest = useRef(load);
  loadLatest.current = load;
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      if (e.dataTransfer) void fromDataTransfer(e.dataTransfer).then((files) => loadLatest.current(files));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);
  /** What an <input type=file> gave: an empty folder still loads, so that the report says it is empty. */
  const fromInput = (input: HTMLInputElement, what: string) => {
    const files = input.files ? fromFileList(input.files) : [];
    load(files, files.length > 0 ? describeSource(files) : what);
    input.value = ''; // choosing the same folder again is a new load
  };
  const busy = disabled || view.loading;
  return (
    <section className="panel" aria-label="Dataset">
      <h2>Dataset</h2>
      {view.dataset ? <Summary d={view.dataset} /> : !view.loading && <p>No dataset yet.</p>}
      <ErrorBoundary name="The dataset preview">
        <DatasetPreview dataset={view.dataset} fetchPreview={fetchPreview} selected={selected} onSelect={setSelected} />
      </ErrorBoundary>
      {view.dataset && (
        <ErrorBoundary name="The X-Sample target viewer">
          <TargetViewer index={selected} tauS={tauS} graphKind={view.dataset.graph} fetchNeighbours={fetchNeighbours} />
        </ErrorBoundary>
      )}
      {view.graphProgress && (
        <div className="load-progress" data-testid="graph-progress">
          <progress max={view.graphProgress.total} value={view.graphProgress.done} />
          <span>
            caption graph: encoding {view.graphProgress.done} / {view.graphProgress.total} captions ({view.graphProgress.cached} from the cache)
          </span>
        </div>
      )}
      <div className="data-buttons">
        <button onClick={() => onLoadDemo(opts())} disabled={busy} data-testid="load-demo" title="3,174 emoji with their names as captions and categories as labels">
          Demo: Fluent Emoji
        </button>
        <button onClick={onLoadShapes} disabled={busy} data-testid="load-shapes" title="600 generated coloured shapes">
          Shapes
        </button>
        <label className={`button${busy ? ' disabled' : ''}`}>
          Folder…
          <input
            ref={folderInput}
            type="file"
            multiple
            className="visually-hidden"
            disabled={busy}
            data-testid="folder-input"
            onChange={(e) => fromInput(e.target, 'the chosen folder')}
          />
        </label>
        <label className={`button${busy ? ' disabled' : ''}`}>
          Files or zip…
          <input
            type="file"
            multiple
            className="visually-hidden"
            disabled={busy}
            accept="image/*,.zip,.csv,.tsv,.jsonl,.json,.txt,.caption"
            data-testid="files-input"
            onChange={(e) => fromInput(e.target, 'the chosen files')}
          />
        </label>
        {hasDirectoryPicker() && (
          <button
            disabled={busy}
            data-testid="open-folder"
            onClick={() =>
              void fromDirectoryPicker().then((picked) => {
                if (picked) load(picked.files, picked.name);
              })
            }
          >
            Open folder…
          </button>
        )}
      </div>
      <p className="hint">Or drop a folder, images or a zip anywhere on the page. Formats: sidecar .txt captions, CSV/TSV, metadata.jsonl, class folders, COCO captions.</p>
      <label className="template" title="Captions of class folders; {label} is the folder name">
        Class caption <input value={template} onChange={(e) => setTemplate(e.target.value)} data-testid="class-template" />
      </label>
      {view.loading && <Progress p={view.loadProgress} onCancel={onCancel} />}
      {/* A load in progress hides the last report: what shows afterwards is this load's own, or its error. */}
      {view.report && !view.loading && (
        <ErrorBoundary name="The load report">
          <LoadReportView
            report={view.report}
            table={view.table}
            onPickColumns={(columns) => last.current && onLoadFiles(last.current.files, last.current.source, opts(columns))}
          />
        </ErrorBoundary>
      )}
      {view.dataset?.name === DEMO_NAME && (
        <p className="credit">
          Demo images: <a href="https://github.com/microsoft/fluentui-emoji">Fluent Emoji</a> © Microsoft, MIT licence.
        </p>
      )}
    </section>
  );
}
