import { useMemo } from 'react';
import type { ObjectiveName } from '../core/config';
import { MAX_CONFUSION_CLASSES, perClassAccuracy } from '../core/confusion';
import { objectiveSpec } from '../core/registry';
import type { DatasetSummary, EvalMetrics, ProbeConfusion } from '../worker/protocol';
import { Plot } from './Plot';

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(x * 100).toFixed(0)}%`);

/** A Plotly heatmap of one run's confusion matrix: colour by row share, the counts written in the cells. */
function confusionChart(c: ProbeConfusion, objective: ObjectiveName, step: number, overall: number | undefined) {
  const acc = perClassAccuracy(c.counts);
  const rowShare = c.counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total === 0 ? null : v / total));
  });
  // Row labels carry the class's accuracy; names are shortened so that long ones do not eat the plot.
  const short = (s: string) => (s.length > 18 ? `${s.slice(0, 17)}…` : s);
  const rows = c.classes.map((name, i) => `${short(name)} · ${pct(acc[i])}`);
  const cols = c.classes.map(short);
  const n = c.classes.length;
  return {
    data: [
      {
        type: 'heatmap',
        z: rowShare,
        x: cols,
        y: rows,
        text: c.counts.map((row) => row.map(String)),
        texttemplate: n <= 20 ? '%{text}' : '',
        textfont: { size: 10 },
        zmin: 0,
        zmax: 1,
        // White for none of the row, dark blue for all of it.
        colorscale: [
          [0, '#f7fbff'],
          [0.5, '#6baed6'],
          [1, '#08306b'],
        ],
        showscale: false,
        hovertemplate: 'true %{y}<br>predicted %{x}<br>%{text} images (%{z:.0%} of the row)<extra></extra>',
      },
    ],
    layout: {
      title: { text: `${objectiveSpec(objective).label}: probe at step ${step}${overall !== undefined ? `, ${pct(overall)} overall` : ''}`, font: { size: 12 } },
      margin: { l: 10, r: 10, t: 30, b: 10 },
      height: Math.max(260, 110 + 22 * n),
      xaxis: { title: { text: 'predicted class', font: { size: 11 } }, tickangle: -45, tickfont: { size: 10 }, automargin: true, fixedrange: true },
      yaxis: { title: { text: 'true class · its accuracy', font: { size: 11 } }, autorange: 'reversed', tickfont: { size: 10 }, automargin: true, fixedrange: true },
      uirevision: `confusion-${objective}`,
    },
  };
}

/**
 * The linear probe per class: for each run, its latest confusion matrix on the held-out images (rows the true class
 * with its accuracy, columns the predicted one, colour the share of the row, the counts in the cells). Data without
 * labels, or with too many classes for a matrix, gets a sentence saying so instead.
 */
export function ConfusionPanel({ metrics, dataset }: { metrics: Partial<Record<ObjectiveName, EvalMetrics[]>>; dataset?: DatasetSummary }) {
  const latest = (Object.entries(metrics) as [ObjectiveName, EvalMetrics[]][])
    .map(([o, list]) => [o, list[list.length - 1]] as const)
    .filter(([, m]) => m !== undefined);
  const charts = useMemo(
    () => latest.flatMap(([o, m]) => (m.probeConfusion ? [{ o, chart: confusionChart(m.probeConfusion, o, m.step, m.linearProbeTop1) }] : [])),
    // A new evaluation of any run is a new metrics record.
    [metrics],
  );
  if (!dataset || latest.length === 0) return null;
  let absent: string | undefined;
  if (dataset.labels === 0)
    absent =
      'No per-class accuracy: this dataset has captions but no labels, so there are no classes to confuse. A label column in a CSV, or class folders (one folder of images per class), would give the linear probe a confusion matrix.';
  else if (dataset.labels > MAX_CONFUSION_CLASSES)
    absent = `No confusion matrix: ${dataset.labels} classes are more than a readable matrix holds (up to ${MAX_CONFUSION_CLASSES}); the probe's overall accuracy is in the table above.`;
  return (
    <section className="panel" aria-label="Linear probe per class" data-testid="confusion-panel">
      <h2>Linear probe per class</h2>
      {absent || charts.length === 0 ? (
        <p className="explain" data-testid="confusion-absent">
          {absent ?? 'The confusion matrices appear with the next evaluation.'}
        </p>
      ) : (
        <>
          <p className="explain">
            <b>What to look for:</b> each row is a true class of the held-out images, with the linear probe's accuracy on it;
            each column is what the probe called them. A dark diagonal is a run that separates the classes; dark cells off
            it are classes its features mix up.
          </p>
          <div className="confusions">
            {charts.map(({ o, chart }) => (
              <div key={o} className="confusion" style={{ borderTopColor: objectiveSpec(o).colour }}>
                <Plot testId={`confusion-${o}`} data={chart.data} layout={chart.layout} className="plot confusion-plot" />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
