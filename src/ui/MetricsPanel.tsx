import { useMemo } from 'react';
import type { ObjectiveName } from '../core/config';
import type { EvalMetrics, RunOrigin } from '../worker/protocol';
import { referenceLabel, type ReferenceRun, runLabel } from './trainingView';
import { objectiveSpec } from '../core/registry';
import { fixedAxis, stepRange } from './chartRange';
import { Plot } from './Plot';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | undefined, digits = 3) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** One row of the table: a run's latest metrics, or a reference run's. */
interface Row {
  key: string;
  objective: ObjectiveName;
  label: string;
  origin: RunOrigin;
  list: EvalMetrics[];
  reference: boolean;
}

const NO_TEXT_TOWER = 'this run has no text tower (it learns from images alone), so there is no text to retrieve';

/** The latest held-out metrics of every run in a table, and k-NN, probe and graph correlation over steps. */
export function MetricsPanel({
  metrics,
  totalSteps,
  origins = {},
  references = {},
}: {
  metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>;
  totalSteps: number;
  origins?: Partial<Record<ObjectiveName, RunOrigin>>;
  /** Imported runs beside the live ones: their own rows, and their curves drawn thinner with × markers. */
  references?: Partial<Record<ObjectiveName, ReferenceRun>>;
}) {
  // Every row of the table: the runs', then the reference runs' (keyed 'ref-<objective>').
  const entries: Row[] = [
    ...(Object.entries(metrics) as [ObjectiveName, EvalMetrics[]][]).map(([o, list]): Row => ({ key: o, objective: o, label: runLabel(objectiveSpec(o).label, origins[o]), origin: origins[o] ?? 'browser', list, reference: false })),
    ...(Object.entries(references) as [ObjectiveName, ReferenceRun][]).map(([o, r]): Row => ({ key: `ref-${o}`, objective: o, label: referenceLabel(objectiveSpec(o).label, r.origin), origin: r.origin, list: r.metrics, reference: true })),
  ].filter((r) => r.list.length > 0);
  const data = useMemo(
    () =>
      entries.flatMap(({ objective: o, label, list, reference }) => {
        const x = list.map((m) => m.step);
        const line = (name: string, y: (number | undefined)[], dash: string, yaxis = 'y') => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: `${label} ${name}`,
          x,
          y: y.map((v) => (v === undefined || Number.isNaN(v) ? null : v)),
          yaxis,
          line: { color: objectiveSpec(o).colour, dash, width: reference ? 1 : 2 },
          marker: reference ? { symbol: 'x', size: 7 } : { size: 6 },
        });
        const out = [line('graph ρ', list.map((m) => m.graphSpearman), 'dot')];
        if (list[0].knnTop1 !== undefined) out.push(line('k-NN top-1', list.map((m) => m.knnTop1), 'solid'), line('probe top-1', list.map((m) => m.linearProbeTop1), 'dash'));
        return out;
      }),
    // The metrics of a run only grow with new evaluations: they are what the traces depend on.
    [metrics, references],
  );
  const lastStep = Math.max(0, ...entries.map(({ list }) => list[list.length - 1].step));
  const [x0, x1] = stepRange(totalSteps, lastStep);
  const layout = useMemo(
    () => ({
      title: { text: 'Held-out metrics', font: { size: 14 } },
      margin: { l: 48, r: 12, t: 28, b: 36 },
      height: 240,
      xaxis: fixedAxis([x0, x1], { title: { text: 'step' } }),
      // Accuracies and the correlation share one axis; ρ can be negative early on.
      // Up to a little over 1, so that a perfect score is not drawn on the frame.
      yaxis: fixedAxis([Math.min(0, ...data.flatMap((t) => t.y).map((v) => (v === null ? 0 : Math.floor(v * 10) / 10))), 1.04]),
      showlegend: false,
      uirevision: 'metrics',
    }),
    [x0, x1, data],
  );
  if (entries.length === 0) return <p className="hint">Held-out metrics (k-NN, linear probe, retrieval, graph correlation) appear every few steps and at the end of a run.</p>;
  return (
    <section className="panel" aria-label="Metrics" data-testid="metrics-panel">
      <table className="metrics" data-testid="metrics-table">
        <thead>
          <tr>
            <th>run</th>
            <th>step</th>
            <th title="loss on a fixed held-out batch">held-out loss</th>
            <th title="weighted 20-NN (votes exp(cos/0.07)) of held-out images against training images, on the pooled backbone features; in brackets on the projected embedding">k-NN top-1 (proj.)</th>
            <th title="logistic regression on frozen pooled backbone features; in brackets on the projected embedding">linear probe (proj.)</th>
            <th title="image→text recall@1 / @5 / @10 (mean rank)">i→t R@1/5/10</th>
            <th title="text→image recall@1 / @5 / @10 (mean rank)">t→i R@1/5/10</th>
            <th title="mean Spearman correlation of learned image similarities with the caption graph">graph ρ</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(({ key, objective: o, label, origin, list, reference }) => {
            const m = list[list.length - 1];
            const r = m.retrieval;
            return (
              <tr key={key} data-testid={`metrics-${key}`} data-knn={m.knnTop1 ?? ''} data-origin={origin} className={reference ? 'reference' : undefined}>
                <td style={{ color: objectiveSpec(o).colour }}>{label}</td>
                <td>{m.step}</td>
                <td>{num(m.heldOutLoss)}</td>
                <td>
                  {pct(m.knnTop1)} <small>({pct(m.knnTop1Projected)})</small>
                </td>
                <td>
                  {pct(m.linearProbeTop1)} <small>({pct(m.linearProbeTop1Projected)})</small>
                </td>
                <td title={r ? undefined : NO_TEXT_TOWER}>{r ? `${pct(r.imageToText.r1)} / ${pct(r.imageToText.r5)} / ${pct(r.imageToText.r10)} (${r.imageToText.meanRank.toFixed(1)})` : '–'}</td>
                <td title={r ? undefined : NO_TEXT_TOWER}>{r ? `${pct(r.textToImage.r1)} / ${pct(r.textToImage.r5)} / ${pct(r.textToImage.r10)} (${r.textToImage.meanRank.toFixed(1)})` : '–'}</td>
                <td>{num(m.graphSpearman)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {entries.every(({ list }) => list[list.length - 1].knnTop1 === undefined) && (
        <p className="explain" data-testid="metrics-absent">
          <b>Why “–” for k-NN and the linear probe:</b> they measure how well the embedding separates classes, and this dataset
          has none. A label column in a CSV, or class folders (one folder of images per class), would enable them.
        </p>
      )}
      {entries.every(({ list }) => list[list.length - 1].retrieval === undefined) && (
        <p className="explain" data-testid="retrieval-absent">
          <b>Why “–” for retrieval:</b> image→text and text→image recall need a run with a text tower (CLIP, SigLIP, or
          X-Sample's image–text extension).
        </p>
      )}
      <div className="curve-legend">
        <span className="key">
          colour: run · <b className="solid" /> k-NN top-1 · <b className="dashed" /> linear probe top-1 · <b className="dotted" /> graph ρ
          {Object.keys(references).length > 0 && ' · thin, × markers: reference run (imported)'}
        </span>
      </div>
      <Plot testId="metrics-chart" data={data} layout={layout} className="plot small" />
    </section>
  );
}
