import { useMemo } from 'react';
import type { ObjectiveName } from '../core/config';
import type { EvalMetrics } from '../core/evaluate';
import { Plot } from './Plot';
import type { RunHistory } from './useTraining';

export const OBJECTIVE_LABEL: Record<ObjectiveName, string> = {
  clip: 'CLIP',
  xsample: 'X-Sample',
  siglip: 'SigLIP',
  simclr: 'SimCLR',
  xclip: 'X-Sample image–text (ours)',
};
export const OBJECTIVE_COLOUR: Record<ObjectiveName, string> = {
  clip: '#1f77b4',
  xsample: '#d62728',
  siglip: '#2ca02c',
  simclr: '#9467bd',
  xclip: '#ff7f0e',
};

const margin = { l: 48, r: 12, t: 28, b: 36 };

/** Exponential moving average with bias correction (as TensorBoard's smoothing), weight in [0, 1). */
export function smooth(y: number[], weight: number): number[] {
  let last = 0;
  return y.map((v, i) => {
    last = last * weight + (1 - weight) * v;
    return last / (1 - weight ** (i + 1));
  });
}

/**
 * Training loss (optionally smoothed) and held-out loss of every run on one axis; the CLIP logit scale t, the
 * learning rate and the throughput on their own charts below.
 */
export function LossChart({
  histories,
  version,
  logY,
  smoothing,
  metrics,
}: {
  histories: Partial<Record<ObjectiveName, RunHistory>>;
  version: number;
  logY: boolean;
  smoothing: number;
  metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>;
}) {
  const entries = Object.entries(histories) as [ObjectiveName, RunHistory][];
  const loss = useMemo(
    () => [
      ...entries.map(([o, h]) => ({
        type: 'scatter',
        mode: 'lines',
        name: `${OBJECTIVE_LABEL[o]} train`,
        x: h.step.slice(),
        y: smoothing > 0 ? smooth(h.loss, smoothing) : h.loss.slice(),
        line: { color: OBJECTIVE_COLOUR[o], width: 2 },
      })),
      ...(Object.entries(metrics) as [ObjectiveName, EvalMetrics[]][]).map(([o, m]) => ({
        type: 'scatter',
        mode: 'lines+markers',
        name: `${OBJECTIVE_LABEL[o]} held-out`,
        x: m.map((e) => e.step),
        y: m.map((e) => e.heldOutLoss),
        line: { color: OBJECTIVE_COLOUR[o], width: 1, dash: 'dot' },
        marker: { size: 6, symbol: 'diamond' },
      })),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version, smoothing, metrics],
  );
  const rates = useMemo(
    () =>
      entries.flatMap(([o, h]) => [
        { type: 'scatter', mode: 'lines', name: `${OBJECTIVE_LABEL[o]} lr`, x: h.step.slice(), y: h.lr.slice(), line: { color: OBJECTIVE_COLOUR[o], width: 1 } },
        {
          type: 'scatter',
          mode: 'lines',
          name: `${OBJECTIVE_LABEL[o]} img/s`,
          x: h.step.slice(),
          y: smooth(h.imagesPerSec, 0.9),
          yaxis: 'y2',
          line: { color: OBJECTIVE_COLOUR[o], width: 1, dash: 'dot' },
        },
      ]),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version],
  );
  const ratesLayout = useMemo(
    () => ({
      title: { text: 'Learning rate (solid) and images/s (dotted)', font: { size: 13 } },
      margin: { l: 56, r: 48, t: 28, b: 30 },
      height: 180,
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'lr' }, exponentformat: 'e' },
      yaxis2: { title: { text: 'img/s' }, overlaying: 'y', side: 'right' },
      showlegend: false,
      uirevision: 'rates',
    }),
    [],
  );
  const scale = useMemo(
    () =>
      entries
        .filter(([, h]) => h.logitScale.length > 0)
        .map(([o, h]) => ({ type: 'scatter', mode: 'lines', name: `${OBJECTIVE_LABEL[o]} t`, x: h.step.slice(), y: h.logitScale.slice(), line: { color: OBJECTIVE_COLOUR[o] } })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version],
  );
  const lossLayout = useMemo(
    () => ({
      title: { text: 'Training loss', font: { size: 14 } },
      margin,
      height: 300,
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'loss' }, type: logY ? 'log' : 'linear' },
      annotations: entries.length === 0 ? [{ text: 'Press “Train” to start: the loss of every run appears here', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] : [],
      legend: { orientation: 'h', y: -0.25 },
      uirevision: 'loss',
    }),
    [logY, entries.length === 0],
  );
  const scaleLayout = useMemo(
    () => ({
      title: { text: 'CLIP logit scale t = exp(θ) (clamped at 100)', font: { size: 13 } },
      margin,
      height: 200,
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 't' } },
      showlegend: false,
      uirevision: 'scale',
    }),
    [],
  );
  return (
    <>
      <Plot testId="loss-chart" data={loss} layout={lossLayout} />
      {scale.length > 0 && <Plot testId="scale-chart" data={scale} layout={scaleLayout} className="plot small" />}
      {rates.length > 0 && <Plot testId="rate-chart" data={rates} layout={ratesLayout} className="plot tiny" />}
    </>
  );
}
