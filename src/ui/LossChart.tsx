import { useMemo, useRef, useState } from 'react';
import type { ObjectiveName } from '../core/config';
import { objectiveSpec } from '../core/registry';
import type { EvalMetrics, RunOrigin } from '../worker/protocol';
import { decimate, fixedAxis, stableRange, stepRange, type Range } from './chartRange';
import { lossAxesLayout, lossAxisOf, lossChartHeight, lossPanels, panelRanges, stepAxisAnchor } from './lossAxes';
import { Plot } from './Plot';
import { referenceLabel, type ReferenceRun, type RunHistory, runLabel } from './trainingView';
import { bandNote, seedLossTraces } from './seedBands';
import type { SeedsView } from './seedsView';

const margin = { l: 48, r: 12, t: 28, b: 36 };

/** Exponential moving average with bias correction (as TensorBoard's smoothing), weight in [0, 1). */
export function smooth(y: number[], weight: number): number[] {
  let last = 0;
  return y.map((v, i) => {
    last = last * weight + (1 - weight) * v;
    return last / (1 - weight ** (i + 1));
  });
}

/** Points per line that a chart draws at most; longer histories are decimated (min and max per bucket kept). */
export const MAX_LINE_POINTS = 800;

/** A line over training steps, decimated to the chart's budget. */
function line(x: ArrayLike<number>, y: ArrayLike<number>) {
  return decimate(x, y, MAX_LINE_POINTS);
}

/**
 * Training loss (optionally smoothed) and held-out loss of every run, each objective in its own panel with its own
 * y axis (lossAxes.ts: the objectives' losses are different quantities); the CLIP logit scale t, the
 * learning rate and the throughput on their own charts below. The x axes span the whole run; the legend is HTML
 * (a button per run hides or shows it in every curve).
 */
export function LossChart({
  histories,
  version,
  logY,
  smoothing,
  metrics,
  totalSteps,
  seeds,
  origins = {},
  references = {},
  onRemoveReference,
}: {
  histories: Partial<Record<ObjectiveName, RunHistory>>;
  version: number;
  logY: boolean;
  smoothing: number;
  metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>;
  totalSteps: number;
  /** A repeat over seeds: its training loss drawn as a band per objective (seedBands.ts). */
  seeds?: SeedsView;
  origins?: Partial<Record<ObjectiveName, RunOrigin>>;
  /** Imported runs beside the live ones: drawn dashed on their objective's panel, with a chip that removes them. */
  references?: Partial<Record<ObjectiveName, ReferenceRun>>;
  onRemoveReference?: (o: ObjectiveName) => void;
}) {
  const [hidden, setHidden] = useState<ObjectiveName[]>([]);
  const all = Object.entries(histories) as [ObjectiveName, RunHistory][];
  const entries = all.filter(([o]) => !hidden.includes(o));
  const refs = Object.entries(references) as [ObjectiveName, ReferenceRun][];
  const lastStep = Math.max(0, ...[...all.map(([, h]) => h), ...refs.map(([, r]) => r.history)].map((h) => h.step[h.step.length - 1] ?? 0));
  const xRange = stepRange(totalSteps, lastStep);
  const lossY = useRef<Partial<Record<ObjectiveName, Range>>>({});
  const scaleY = useRef<Range>(undefined);
  const lrY = useRef<Range>(undefined);
  const ipsY = useRef<Range>(undefined);
  // A panel per objective on screen: runs, and the objectives of a repeat over seeds (their bands).
  const shown = [...new Set([...entries.map(([o]) => o), ...refs.map(([o]) => o), ...(seeds?.objectives ?? []).filter((o) => !hidden.includes(o))])];
  const panels = useMemo(() => lossPanels(shown), [shown.join()]);
  const loss = useMemo(() => {
    const traces = [
      ...seedLossTraces(seeds, hidden, (y) => (smoothing > 0 ? smooth(y, smoothing) : y), (o) => ({ yaxis: lossAxisOf(panels, o), objective: o })),
      ...entries.map(([o, h]) => ({
        type: 'scatter',
        mode: 'lines',
        name: `${runLabel(objectiveSpec(o).label, origins[o])} train`,
        ...line(h.step, smoothing > 0 ? smooth(h.loss, smoothing) : h.loss),
        yaxis: lossAxisOf(panels, o),
        objective: o,
        line: { color: objectiveSpec(o).colour, width: 2 },
      })),
      ...(Object.entries(metrics) as [ObjectiveName, EvalMetrics[]][])
        .filter(([o]) => !hidden.includes(o) && histories[o] !== undefined)
        .map(([o, m]) => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: `${runLabel(objectiveSpec(o).label, origins[o])} held-out`,
          x: m.map((e) => e.step),
          y: m.map((e) => e.heldOutLoss),
          yaxis: lossAxisOf(panels, o),
          objective: o,
          line: { color: objectiveSpec(o).colour, width: 1, dash: 'dot' },
          marker: { size: 6, symbol: 'diamond' },
        })),
      ...refs.flatMap(([o, r]) => {
        const label = referenceLabel(objectiveSpec(o).label, r.origin);
        const colour = objectiveSpec(o).colour;
        const train = { type: 'scatter', mode: 'lines', name: `${label} train`, ...line(r.history.step, smoothing > 0 ? smooth(r.history.loss, smoothing) : r.history.loss), yaxis: lossAxisOf(panels, o), objective: o, line: { color: colour, width: 2, dash: 'dash' } };
        if (r.metrics.length === 0) return [train];
        const x = r.metrics.map((e) => e.step);
        const y = r.metrics.map((e) => e.heldOutLoss);
        return [train, { type: 'scatter', mode: 'lines+markers', name: `${label} held-out`, x, y, yaxis: lossAxisOf(panels, o), objective: o, line: { color: colour, width: 1, dash: 'dashdot' }, marker: { size: 7, symbol: 'x' } }];
      }),
    ];
    const values: Partial<Record<ObjectiveName, number[]>> = {};
    for (const t of traces) (values[t.objective as ObjectiveName] ??= []).push(...(t.y as number[]));
    lossY.current = panelRanges(values, logY, lossY.current);
    return { traces: traces.map(({ objective: _, ...t }) => t), y: lossY.current };
    // The histories grow in place: `version` marks a change of them.
  }, [version, smoothing, metrics, logY, hidden, panels, seeds?.version]);
  const rates = useMemo(() => {
    const traces = entries.flatMap(([o, h]) => [
      { type: 'scatter', mode: 'lines', name: `${objectiveSpec(o).label} lr`, ...line(h.step, h.lr), yaxis: 'y', line: { color: objectiveSpec(o).colour, width: 1 } },
      {
        type: 'scatter',
        mode: 'lines',
        name: `${objectiveSpec(o).label} img/s`,
        ...line(h.step, smooth(h.imagesPerSec, 0.9)),
        yaxis: 'y2',
        line: { color: objectiveSpec(o).colour, width: 1, dash: 'dot' },
      },
    ]);
    // The learning rate starts at 0 (warm-up), so its axis does too.
    lrY.current = stableRange([0, ...traces.filter((t) => t.yaxis === 'y').flatMap((t) => t.y)], lrY.current);
    ipsY.current = stableRange([0, ...traces.filter((t) => t.yaxis === 'y2').flatMap((t) => t.y)], ipsY.current);
    return { traces, lr: lrY.current, ips: ipsY.current };
    // The histories grow in place: `version` marks a change of them.
  }, [version, hidden]);
  const scale = useMemo(() => {
    const traces = entries
      .filter(([, h]) => h.logitScale.length > 0)
      .map(([o, h]) => ({ type: 'scatter', mode: 'lines', name: `${objectiveSpec(o).label} t`, ...line(h.step, h.logitScale), line: { color: objectiveSpec(o).colour } }));
    scaleY.current = stableRange(traces.flatMap((t) => t.y), scaleY.current);
    return { traces, y: scaleY.current };
    // The histories grow in place: `version` marks a change of them.
  }, [version, hidden]);
  const [x0, x1] = xRange;
  const ratesLayout = useMemo(
    () => ({
      title: { text: 'Learning rate (solid) and images/s (dotted)', font: { size: 13 } },
      margin: { l: 56, r: 48, t: 28, b: 30 },
      height: 180,
      xaxis: fixedAxis([x0, x1], { title: { text: 'step' } }),
      yaxis: fixedAxis(rates.lr, { title: { text: 'lr' }, exponentformat: 'e' }),
      yaxis2: fixedAxis(rates.ips, { title: { text: 'img/s' }, overlaying: 'y', side: 'right' }),
      showlegend: false,
      uirevision: 'rates',
    }),
    [x0, x1, rates.lr, rates.ips],
  );
  const empty = all.length === 0 && refs.length === 0;
  const note = bandNote(seeds);
  // The hint to press Train, unless bands over seeds fill the chart.
  const hint = empty && !note;
  const lossLayout = useMemo(
    () => ({
      title: { text: panels.length > 1 ? 'Training loss: each objective on its own axis' : 'Training loss', font: { size: 14 } },
      margin,
      height: lossChartHeight(panels.length),
      xaxis: fixedAxis([x0, x1], { title: { text: 'step' }, anchor: stepAxisAnchor(panels) }),
      ...lossAxesLayout(panels, loss.y, logY, (o) => objectiveSpec(o).label),
      annotations: hint ? [{ text: 'Press “Train” to start: the loss of every run appears here', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] : [],
      showlegend: false,
      uirevision: 'loss',
    }),
    [logY, hint, x0, x1, loss.y, panels],
  );
  const scaleLayout = useMemo(
    () => ({
      title: { text: 'CLIP logit scale t = exp(θ) (clamped at 100)', font: { size: 13 } },
      margin,
      height: 200,
      xaxis: fixedAxis([x0, x1], { title: { text: 'step' } }),
      yaxis: fixedAxis(scale.y, { title: { text: 't' } }),
      showlegend: false,
      uirevision: 'scale',
    }),
    [x0, x1, scale.y],
  );
  const hasScale = all.some(([, h]) => h.logitScale.length > 0);
  return (
    <>
      {!empty && (
        <div className="curve-legend" role="group" aria-label="Runs shown in the curves">
          {all.map(([o]) => (
            <button
              key={o}
              aria-pressed={!hidden.includes(o)}
              data-testid={`legend-${o}`}
              data-origin={origins[o] ?? 'browser'}
              title={hidden.includes(o) ? 'show this run in the curves' : 'hide this run from the curves'}
              onClick={() => setHidden((h) => (h.includes(o) ? h.filter((x) => x !== o) : [...h, o]))}
            >
              <i style={{ background: objectiveSpec(o).colour }} /> {runLabel(objectiveSpec(o).label, origins[o])}
            </button>
          ))}
          {refs.map(([o, r]) => (
            <span key={`ref-${o}`} className="ref-chip" data-testid={`legend-ref-${o}`} data-origin={r.origin} title={`an imported run shown beside the ${objectiveSpec(o).label} run (step ${r.step}${r.dataset ? `, trained on ${r.dataset}` : ''}); it does not train`}>
              <i style={{ background: objectiveSpec(o).colour }} /> {referenceLabel(objectiveSpec(o).label, r.origin)}
              <button aria-label={`remove ${referenceLabel(objectiveSpec(o).label, r.origin)} from the page`} title="remove this reference run from the page" data-testid={`remove-ref-${o}`} onClick={() => onRemoveReference?.(o)}>
                ×
              </button>
            </span>
          ))}
          <span className="key">
            <b className="solid" /> training loss · <b className="dotted" /> held-out loss
            {refs.length > 0 && (
              <>
                {' '}
                · <b className="dashed" /> reference run (imported, beside the live one)
              </>
            )}
          </span>
        </div>
      )}
      <Plot testId="loss-chart" data={loss.traces} layout={lossLayout} />
      {note && (
        <p className="hint" data-testid="band-note">
          {note}
        </p>
      )}
      {entries.length > 1 && (
        <p className="hint" data-testid="loss-note">
          <b>What to look for:</b> each run's own curve, in its own panel with its own loss axis. The objectives' losses
          are different quantities (CLIP's is over image–text pairs, X-Sample's over soft targets on two views), so the
          panels' heights do not compare and a lower number is not a better run: compare how each falls, and the
          held-out metrics below.
        </p>
      )}
      {hasScale && <Plot testId="scale-chart" data={scale.traces} layout={scaleLayout} className="plot small" />}
      {!empty && <Plot testId="rate-chart" data={rates.traces} layout={ratesLayout} className="plot tiny" />}
    </>
  );
}
