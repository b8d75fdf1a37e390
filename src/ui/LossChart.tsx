import { useMemo, useRef, useState } from 'react';
import type { ObjectiveName } from '../core/config';
import { objectiveSpec } from '../core/registry';
import type { EvalMetrics, RunOrigin } from '../worker/protocol';
import { decimate, fixedAxis, stableRange, stepRange, type Range } from './chartRange';
import { Plot } from './Plot';
import { type RunHistory, runLabel } from './trainingView';

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
 * Training loss (optionally smoothed) and held-out loss of every run on one axis; the CLIP logit scale t, the
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
  origins = {},
}: {
  histories: Partial<Record<ObjectiveName, RunHistory>>;
  version: number;
  logY: boolean;
  smoothing: number;
  metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>;
  totalSteps: number;
  origins?: Partial<Record<ObjectiveName, RunOrigin>>;
}) {
  const [hidden, setHidden] = useState<ObjectiveName[]>([]);
  const all = Object.entries(histories) as [ObjectiveName, RunHistory][];
  const entries = all.filter(([o]) => !hidden.includes(o));
  const lastStep = Math.max(0, ...all.map(([, h]) => h.step[h.step.length - 1] ?? 0));
  const xRange = stepRange(totalSteps, lastStep);
  const lossY = useRef<Range>(undefined);
  const scaleY = useRef<Range>(undefined);
  const lrY = useRef<Range>(undefined);
  const ipsY = useRef<Range>(undefined);
  const loss = useMemo(() => {
    const traces = [
      ...entries.map(([o, h]) => ({
        type: 'scatter',
        mode: 'lines',
        name: `${runLabel(objectiveSpec(o).label, origins[o])} train`,
        ...line(h.step, smoothing > 0 ? smooth(h.loss, smoothing) : h.loss),
        line: { color: objectiveSpec(o).colour, width: 2 },
      })),
      ...(Object.entries(metrics) as [ObjectiveName, EvalMetrics[]][])
        .filter(([o]) => !hidden.includes(o))
        .map(([o, m]) => ({
          type: 'scatter',
          mode: 'lines+markers',
          name: `${objectiveSpec(o).label} held-out`,
          x: m.map((e) => e.step),
          y: m.map((e) => e.heldOutLoss),
          line: { color: objectiveSpec(o).colour, width: 1, dash: 'dot' },
          marker: { size: 6, symbol: 'diamond' },
        })),
    ];
    const ys = traces.flatMap((t) => t.y).filter((v) => v > 0 || !logY);
    lossY.current = stableRange(logY ? ys.map(Math.log10) : ys, lossY.current);
    return { traces, y: lossY.current };
    // The histories grow in place: `version` marks a change of them.
  }, [version, smoothing, metrics, logY, hidden]);
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
  const empty = all.length === 0;
  const lossLayout = useMemo(
    () => ({
      title: { text: 'Training loss', font: { size: 14 } },
      margin,
      height: 300,
      xaxis: fixedAxis([x0, x1], { title: { text: 'step' } }),
      yaxis: fixedAxis(loss.y, { title: { text: 'loss' }, type: logY ? 'log' : 'linear' }),
      annotations: empty ? [{ text: 'Press “Train” to start: the loss of every run appears here', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] : [],
      showlegend: false,
      uirevision: 'loss',
    }),
    [logY, empty, x0, x1, loss.y],
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
          <span className="key">
            <b className="solid" /> training loss · <b className="dotted" /> held-out loss
          </span>
        </div>
      )}
      <Plot testId="loss-chart" data={loss.traces} layout={lossLayout} />
      {entries.length > 1 && (
        <p className="hint" data-testid="loss-note">
          <b>What to look for:</b> each run's own curve. The objectives' losses are different quantities (CLIP's is over
          image–text pairs, X-Sample's over soft targets on two views), so a lower line is not a better run: compare
          how each falls, and the held-out metrics below.
        </p>
      )}
      {hasScale && <Plot testId="scale-chart" data={scale.traces} layout={scaleLayout} className="plot small" />}
      {!empty && <Plot testId="rate-chart" data={rates.traces} layout={ratesLayout} className="plot tiny" />}
    </>
  );
}
