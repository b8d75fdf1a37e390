import { zipSync } from 'fflate';
import { useState } from 'react';
import type { ObjectiveName } from '../core/config';
import type { DatasetExport, SavedRunSummary, SourceFile } from '../worker/protocol';
import { fromFileList } from './collectFiles';
import { download } from './download';
import { objectiveSpec } from '../core/registry';
import { loadPlotly } from './Plot';

/** Every chart on the page as PNG bytes, named by its test id (loss-chart.png, heatmap-xsample.png, …). */
async function chartPngs(): Promise<Record<string, Uint8Array>> {
  const P = await loadPlotly();
  const out: Record<string, Uint8Array> = {};
  for (const el of document.querySelectorAll<HTMLElement>('.js-plotly-plot[data-testid]')) {
    const url = await P.toImage(el, { format: 'png', width: Math.max(400, el.clientWidth), height: Math.max(200, el.clientHeight) });
    out[`charts/${el.dataset.testid}.png`] = Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (c) => c.charCodeAt(0));
  }
  return out;
}

/** Export each run as a zip, import weights back, and the runs kept in this browser. */
export function ExportPanel({
  objectives,
  steps,
  saved,
  currentSave,
  busy,
  exportRun,
  importRun,
  references = [],
  continueFromReference,
  hasData,
  exportDataset,
  datasetExport,
  renameSaved,
  deleteSaved,
  resumeSaved,
}: {
  objectives: ObjectiveName[];
  steps: Partial<Record<ObjectiveName, number>>;
  saved: SavedRunSummary[];
  currentSave?: string;
  busy: boolean;
  exportRun: (o: ObjectiveName) => Promise<Record<string, Uint8Array> | undefined>;
  importRun: (files: SourceFile[]) => Promise<string | undefined>;
  /** The objectives whose import is shown beside their run (a reference run), with its label. */
  references?: { objective: ObjectiveName; label: string }[];
  continueFromReference?: (o: ObjectiveName) => Promise<string | undefined>;
  hasData: boolean;
  exportDataset: (limits: undefined) => Promise<DatasetExport | undefined>;
  datasetExport?: { done: number; total: number };
  renameSaved: (id: string, name: string) => Promise<unknown>;
  deleteSaved: (id: string) => Promise<unknown>;
  resumeSaved: (id: string) => Promise<unknown>;
}) {
  const [working, setWorking] = useState<string>();
  const [names, setNames] = useState<Record<string, string>>({});
  const doExport = async (o: ObjectiveName) => {
    setWorking(`exporting ${objectiveSpec(o).label}…`);
    try {
      const files = await exportRun(o);
      if (!files) return;
      const all = { ...files, ...(await chartPngs()) };
      download(`xsample-playground-${o}-step${steps[o] ?? 0}.zip`, zipSync(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v, { level: k.endsWith('.png') ? 0 : 6 }]]))), 'application/zip');
    } finally {
      setWorking(undefined);
    }
  };
  const doExportDataset = async () => {
    setWorking('preparing the dataset (WebDataset shards)…');
    try {
      const out = await exportDataset(undefined);
      if (out) download(out.name, out.zip, 'application/zip');
    } finally {
      setWorking(undefined);
    }
  };
  return (
    <section className="panel" aria-label="Export and saved runs" data-testid="export-panel">
      <h2>Take the results away</h2>
      <div className="data-buttons">
        {objectives.map((o) => (
          <button key={o} onClick={() => void doExport(o)} disabled={busy || working !== undefined || !steps[o]} data-testid={`export-${o}`} title="weights (TF.js + safetensors), config, metrics, histories, Projector files, charts">
            Export {objectiveSpec(o).label} (.zip)
          </button>
        ))}
        <label className={`button${busy ? ' disabled' : ''}`} title="an exported run zip (this app's or the PyTorch trainer's), or model.json with its .weights.bin">
          Import weights…
          <input
            type="file"
            multiple
            className="visually-hidden"
            disabled={busy}
            accept=".zip,.json,.bin"
            data-testid="import-weights"
            onChange={(e) => {
              if (e.target.files && e.target.files.length > 0) void importRun(fromFileList(e.target.files));
              e.target.value = '';
            }}
          />
        </label>
        <button
          onClick={() => void doExportDataset()}
          disabled={busy || working !== undefined || !hasData}
          data-testid="export-dataset"
          title="the loaded data as WebDataset tar shards (train-*.tar, test-*.tar: this app's split) with dataset.json, in one zip, for the PyTorch trainer or any WebDataset reader"
        >
          Export dataset (.zip of shards)
        </button>
      </div>
      {references.map(({ objective: o, label }) => (
        <p key={o} className="hint" data-testid={`reference-${o}`}>
          <b>{label}</b> is shown beside the {objectiveSpec(o).label} run (dashed curves, its own metrics row); the{' '}
          {objectiveSpec(o).label} run is untouched.{' '}
          <button onClick={() => void continueFromReference?.(o)} disabled={busy} data-testid={`continue-ref-${o}`}>
            Continue training from these weights (replaces the {objectiveSpec(o).label} run)
          </button>
        </p>
      ))}
      <p className="hint">
        <b>Export dataset</b> writes the data as loaded here for other trainers: WebDataset shards of this app&apos;s train /
        held-out split (each sample&apos;s original image file, captions, label, caption-graph vector) and dataset.json, in one
        zip. Unzip it, or give the zip itself, as <code>--data</code> of the PyTorch trainer (python/); import its run zips
        back here with <b>Import weights</b>: labelled &quot;trained in PyTorch&quot;, with their curves and metrics. One whose
        objective has a run here is shown beside that run (dashed), which trains on; you may then continue training from
        its weights instead. Any other import joins the runs, or continues the run of its objective.
      </p>
      {working && (
        <p className="hint" data-testid="export-working">
          {working}
          {datasetExport && ` ${datasetExport.done} / ${datasetExport.total} samples`}
        </p>
      )}
      <h2>Saved in this browser</h2>
      {saved.length === 0 ? (
        <p className="hint">Runs are saved here as they train (every 50 steps, on pause and at the end), with their weights.</p>
      ) : (
        <ul className="saved" data-testid="saved-runs">
          {saved.map((r) => (
            <li key={r.id} data-testid="saved-run" data-id={r.id}>
              <input value={names[r.id] ?? r.name} onChange={(e) => setNames({ ...names, [r.id]: e.target.value })} aria-label="run name" data-testid="saved-name" />
              <small>
                {r.objectives.map((o, i) => `${objectiveSpec(o).label} ${r.steps[i]}`).join(', ')} steps · {r.dataset.name} · {new Date(r.savedAt).toLocaleString()}
                {r.id === currentSave && ' · current'}
              </small>
              <span className="saved-actions">
                {names[r.id] !== undefined && names[r.id] !== r.name && (
                  <button onClick={() => void renameSaved(r.id, names[r.id])} data-testid="saved-rename">
                    Rename
                  </button>
                )}
                <button onClick={() => void resumeSaved(r.id)} disabled={busy} data-testid="saved-resume">
                  Resume
                </button>
                <button onClick={() => void deleteSaved(r.id)} disabled={busy} data-testid="saved-delete">
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
