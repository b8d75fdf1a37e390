import type { SeedsSummary } from '../core/seedSummary';
import type { SeedSummary } from '../core/stats';
import { objectiveSpec } from '../core/registry';

/** A number as the table writes it: accuracies in % (one decimal), others with three; a true minus sign. */
export function formatValue(x: number, percent: boolean): string {
  if (!Number.isFinite(x)) return '–';
  const v = percent ? x * 100 : x;
  const text = Math.abs(v).toFixed(percent ? 1 : 3);
  return v < 0 && Number(text) !== 0 ? `−${text}` : text;
}

/** A summary as a cell: "74.2 ± 1.3" and its interval "[71.0, 77.4]" ("–" for what one seed cannot give). */
export function formatSummary(s: SeedSummary | undefined, percent: boolean): { mean: string; ci: string } {
  if (!s || s.n === 0) return { mean: '–', ci: '' };
  const mean = s.n < 2 ? formatValue(s.mean, percent) : `${formatValue(s.mean, percent)} ± ${formatValue(s.sd, percent)}`;
  return { mean, ci: s.n < 2 ? '' : `[${formatValue(s.ci[0], percent)}, ${formatValue(s.ci[1], percent)}]` };
}

const label = (o: string) => {
  try {
    return objectiveSpec(o).label;
  } catch {
    return o;
  }
};

/**
 * The paired difference of one metric in a sentence: "X-Sample's k-NN top-1 (backbone) is 2.1 points higher than
 * CLIP's (95% CI −0.5 to 4.7): not significant over 3 seeds (the interval includes 0)." Undefined where the summary
 * has no such difference.
 */
export function pairedSentence(summary: SeedsSummary, key: string): string | undefined {
  const p = summary.paired;
  const d = p?.byMetric[key];
  const m = summary.metrics.find((x) => x.key === key);
  if (!p || !d || !m || d.n === 0) return undefined;
  const size = formatValue(Math.abs(d.mean), m.percent);
  const unit = m.percent ? (size === '1.0' ? ' point' : ' points') : '';
  const diff = Number(size) === 0 ? `about the same as ${label(p.b)}'s` : `${size}${unit} ${d.mean > 0 ? 'higher' : 'lower'} than ${label(p.b)}'s`;
  const head = `${label(p.a)}'s ${m.label} is ${diff}`;
  if (d.n < 2) return `${head} on the one seed with both runs finished: an interval needs two seeds or more.`;
  const ci = `95% CI ${formatValue(d.ci[0], m.percent)} to ${formatValue(d.ci[1], m.percent)}`;
  // Every seed gave the same difference (coarse accuracies on a small held-out set): t is undefined, not large.
  if (d.sd <= 1e-12 * Math.max(1, Math.abs(d.mean)))
    return `${head} (${ci}): every one of the ${d.n} seeds gave exactly this difference, so the interval has no width and is no test; more seeds, or more held-out images, would tell.`;
  const verdict = d.significant
    ? `significant over ${d.n} seeds (the interval excludes 0)`
    : `not significant over ${d.n} seeds (the interval includes 0)`;
  return `${head} (${ci}): ${verdict}.`;
}
