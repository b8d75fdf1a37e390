import { useMemo, useState } from 'react';
import type { ObjectiveName } from '../core/config';
import { objectiveSpec } from '../core/registry';
import { SEED_METRICS, summariseSeeds } from '../core/seedSummary';
import { studentTQuantile } from '../core/stats';
import { fixedAxis, stableRange, stepRange } from './chartRange';
import { Plot } from './Plot';
import { bandTraces, seedBand } from './seedBands';
import { formatSummary, formatValue, pairedSentence } from './seedReport';
import { repeating, seedProgress, type SeedsView } from './seedsView';

const COUNTS = [2, 3, 4, 5];
const label = (o: string) => objectiveSpec(o).label;

/** The held-out metric drawn over steps with a band: k-NN top-1 where the data has classes, else graph ρ. */
function bandMetric(seeds: SeedsView): { key: 'knnTop1' | 'graphSpearman'; name: string; percent: boolean } {
  const hasKnn = Object.values(seeds.metrics).some((byObjective) => Object.values(byObjective).some((list) => list?.some((m) => m.knnTop1 !== undefined)));
  return hasKnn ? { key: 'knnTop1', name: 'k-NN top-1 (backbone)', percent: true } : { key: 'graphSpearman', name: 'graph ρ', percent: false };
}

/** The band chart of the held-out metric: per objective, min–max over seeds and the mean. */
function MetricBands({ seeds }: { seeds: SeedsView }) {
  const { key, name, percent } = bandMetric(seeds);
  // Redrawn when an evaluation arrives, not on every step of the repeat.
  const evaluations = Object.values(seeds.metrics).reduce((n, byObjective) => n + Object.values(byObjective).reduce((k, list) => k + (list?.length ?? 0), 0), 0);
  const data = useMemo(
    () =>
      seeds.objectives.flatMap((o) => {
        const curves = seeds.seeds.flatMap((s) => {
          const list = seeds.metrics[s]?.[o];
          return list ? [{ step: list.map((m) => m.step), value: list.map((m) => m[key] ?? NaN) }] : [];
        });
        const band = seedBand(curves);
        return band.step.length > 0 ? bandTraces(band, o, name, { mode: 'lines' }) : [];
      }),
    [evaluations, seeds.objectives, seeds.seeds, key, name],
  );
  const layout = useMemo(
    () => ({
      title: { text: `Held-out ${name} over seeds: shaded min–max, dashed mean`, font: { size: 13 } },
      margin: { l: 48, r: 12, t: 28, b: 36 },
      height: 220,
      xaxis: fixedAxis(stepRange(seeds.totalSteps, seeds.totalSteps), { title: { text: 'step' } }),
      yaxis: fixedAxis(stableRange(data.flatMap((t) => t.y as number[])), percent ? { tickformat: '.0%' } : {}),
      showlegend: false,
    }),
    [data, name, percent, seeds.totalSteps],
  );
  if (data.length === 0) return null;
  return <Plot testId="seeds-metric-chart" data={data as never} layout={layout as never} className="plot small" />;
}

/**
 * "Repeat with n seeds": starts, pauses, resumes and cancels the repeat, and shows its result as a statistician
 * would: per metric and objective the mean ± sd over seeds with the 95% t-interval, the paired difference
 * X-Sample − CLIP with its interval, and that difference in a sentence.
 */
export function SeedsPanel({
  seeds,
  sessionSeed,
  objectives,
  canStart,
  training,
  repeatSeeds,
  pauseSeeds,
  resumeSeeds,
  cancelSeeds,
}: {
  seeds?: SeedsView;
  sessionSeed: number;
  objectives: ObjectiveName[];
  canStart: boolean;
  /** The session's runs are training now (at this step): a repeat asks to pause them first. */
  training?: { step: number };
  repeatSeeds: (count: number) => Promise<unknown>;
  pauseSeeds: () => Promise<unknown>;
  resumeSeeds: () => Promise<unknown>;
  cancelSeeds: () => Promise<unknown>;
}) {
  const [count, setCount] = useState(3);
  const active = repeating(seeds);
  const summary = useMemo(() => (seeds && seeds.finished.length > 0 ? summariseSeeds(seeds.finished, seeds.objectives) : undefined), [seeds?.finished, seeds?.objectives]);
  const list = Array.from({ length: count }, (_, k) => sessionSeed + k).join(', ');
  const start = () => {
    if (training && !window.confirm(`Training is running (step ${training.step}). Pause it to repeat with ${count} seeds? Your runs stay as they are; Train goes on with them afterwards.`)) return;
    void repeatSeeds(count);
  };
  const rows = summary ? SEED_METRICS.filter((m) => summary.objectives.some((o) => summary.byObjective[o][m.key])) : [];
  const paired = summary?.paired;
  const sentences = paired ? rows.flatMap((m) => pairedSentence(summary!, m.key) ?? []) : [];
  return (
    <section className="panel" aria-label="Repeat with seeds" data-testid="seeds-panel">
      <h2>Repeat with seeds</h2>
      <div className="controls seeds-controls">
        <label>
          seeds{' '}
          <select value={count} onChange={(e) => setCount(Number(e.target.value))} disabled={active} data-testid="seed-count">
            {COUNTS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button onClick={start} disabled={!canStart || active || objectives.length === 0} data-testid="repeat-seeds">
          Repeat with {count} seeds
        </button>
        {seeds?.state === 'running' && (
          <button onClick={() => void pauseSeeds()} data-testid="pause-seeds">
            Pause
          </button>
        )}
        {seeds?.state === 'paused' && (
          <button onClick={() => void resumeSeeds()} data-testid="resume-seeds">
            Resume
          </button>
        )}
        {active && (
          <button onClick={() => void cancelSeeds()} data-testid="cancel-seeds">
            Cancel
          </button>
        )}
      </div>
      <p className="hint">
        Trains {objectives.map(label).join(' and ') || 'the ticked objectives'} afresh on seeds {list} (the session&apos;s seed and the next ones), one seed
        after another. Every objective gets the same seeds, so on each seed the runs share initial weights, batches and
        held-out split: their differences are paired. The runs on screen stay as they are.
      </p>
      {seeds && (
        <p className="hint" data-testid="seeds-progress" data-state={seeds.state} data-finished={seeds.finished.length}>
          {seeds.finished.length} of {seeds.seeds.length} seeds ({seeds.seeds.join(', ')}) finished · {seeds.totalSteps} steps · {seeds.dataset} ·{' '}
          {active ? `${seeds.state === 'paused' ? 'paused at' : 'now'} ${seedProgress(seeds)}` : seeds.state}
        </p>
      )}
      {summary && (
        <>
          <table className="metrics" data-testid="seeds-table">
            <caption className="hint">
              Final held-out metrics over {summary.seeds.length} seed{summary.seeds.length > 1 ? 's' : ''}: mean ± sd, 95% t-interval below
              {summary.seeds.length > 1 && ` (mean ± ${studentTQuantile(0.975, summary.seeds.length - 1).toFixed(2)} · sd / √${summary.seeds.length}: few seeds give wide intervals)`};
              accuracies and recalls in %.
            </caption>
            <thead>
              <tr>
                <th>metric</th>
                {summary.objectives.map((o) => (
                  <th key={o} style={{ color: objectiveSpec(o).colour }}>
                    {label(o)}
                  </th>
                ))}
                {paired && <th title="paired by seed: both runs of a seed trained on the same initial weights and batches">{`${label(paired.a)} − ${label(paired.b)}`}</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.key}>
                  <td>{m.label}</td>
                  {summary.objectives.map((o) => {
                    const cell = formatSummary(summary.byObjective[o][m.key], m.percent);
                    return (
                      <td key={o} data-testid={`seeds-cell-${o}-${m.key}`}>
                        {cell.mean}
                        {cell.ci && <small className="ci">{cell.ci}</small>}
                      </td>
                    );
                  })}
                  {paired && (
                    <td data-testid={`seeds-diff-${m.key}`} data-significant={paired.byMetric[m.key]?.significant ?? ''}>
                      {paired.byMetric[m.key] ? formatSummary(paired.byMetric[m.key], m.percent).mean : '–'}
                      {paired.byMetric[m.key] && <small className="ci">{formatSummary(paired.byMetric[m.key], m.percent).ci}</small>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {sentences.map((s) => (
            <p key={s} className="explain" data-testid="seeds-sentence">
              {s}
            </p>
          ))}
          <details>
            <summary>Every seed&apos;s numbers</summary>
            <table className="metrics" data-testid="seeds-per-seed">
              <thead>
                <tr>
                  <th>seed</th>
                  <th>run</th>
                  {rows.map((m) => (
                    <th key={m.key}>{m.label}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {summary.seeds.flatMap((seed, i) =>
                  summary.objectives.map((o) => {
                    const final = seeds!.finished[i].results.find((r) => r.objective === o)?.final;
                    return (
                      <tr key={`${seed}-${o}`}>
                        <td>{seed}</td>
                        <td>{label(o)}</td>
                        {rows.map((m) => (
                          <td key={m.key}>{final ? formatValue(m.get(final) ?? NaN, m.percent) : '–'}</td>
                        ))}
                      </tr>
                    );
                  }),
                )}
              </tbody>
            </table>
          </details>
        </>
      )}
      {seeds && <MetricBands seeds={seeds} />}
    </section>
  );
}
