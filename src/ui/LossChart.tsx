import { useMemo } from 'react';
import type { ObjectiveName } from '../core/config';
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

/** Training loss of every run on one axis; the CLIP logit scale t on its own chart below. */
export function LossChart({ histories, version, logY }: { histories: Partial<Record<ObjectiveName, RunHistory>>; version: number; logY: boolean }) {
  const entries = Object.entries(histories) as [ObjectiveName, RunHistory][];
  const loss = useMemo(
    () =>
      entries.map(([o, h]) => ({
        type: 'scatter',
        mode: 'lines',
        name: OBJECTIVE_LABEL[o],
        x: h.step.slice(),
        y: h.loss.slice(),
        line: { color: OBJECTIVE_COLOUR[o], width: 2 },
      })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version],
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
      legend: { orientation: 'h', y: -0.25 },
      uirevision: 'loss',
    }),
    [logY],
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
    </>
  );
}
