import { DEFAULT_SETTINGS, type Settings } from './config';
import { fieldName, FIELDS, setField } from './settingsTable';

/**
 * What the page says, next to the objectives, about the paper's claim on the demo set: the measured paired
 * difference X-Sample − CLIP over seeds (bench/results/summary.json, written by scripts/results-table.mjs from the
 * experiment runs), and, where a setting shows one whose 95% interval excludes 0, that setting as a preset.
 */

export interface MeasuredMetric {
  label: string;
  clip: number;
  xsample: number;
  diff: number; // X-Sample − CLIP, mean over seeds of the per-seed difference
  diffCi: number[]; // the 95% t-interval of the paired difference, [low, high]
  significant: boolean;
}

export interface MeasuredSetting {
  name: string;
  seeds: number[];
  /** The settings (Settings field names) where the runs differ from the app's defaults. */
  changed: Record<string, unknown>;
  metrics: Record<string, MeasuredMetric>;
}

export interface MeasuredSummary {
  dataset: string;
  settings: MeasuredSetting[];
}

export interface MeasuredClaim {
  text: string;
  /** The setting to offer as a one-click preset: only where a paired interval excludes 0. */
  preset?: { name: string; changed: Record<string, unknown> };
}

const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const interval = (m: MeasuredMetric) => `${points(m.diff)} [${points(m.diffCi[0])}, ${points(m.diffCi[1])}]`;
const seedList = (s: MeasuredSetting) => `${s.seeds.length} seeds (${s.seeds.join(', ')})`;

/** The sentence for the page and, where one setting's difference is significant, that setting as a preset. */
export function measuredClaim(summary: MeasuredSummary, defaultsName: string): MeasuredClaim {
  const hits = (s: MeasuredSetting) => Object.values(s.metrics).filter((m) => m.significant).length;
  // The setting with the most significant metrics; the defaults first among equals.
  const best = summary.settings
    .filter((s) => hits(s) > 0)
    .sort((a, b) => hits(b) - hits(a) || Number(b.name === defaultsName) - Number(a.name === defaultsName))[0];
  const where = (s: MeasuredSetting) => (s.name === defaultsName ? 'at the default settings' : `at "${s.name}"`);
  const list = (ms: MeasuredMetric[]) => ms.map((m) => `${m.label} ${interval(m)}`).join(', ');
  if (best) {
    const ms = Object.values(best.metrics);
    const up = ms.filter((m) => m.significant && m.diff > 0);
    const down = ms.filter((m) => m.significant && m.diff < 0);
    const none = ms.filter((m) => !m.significant);
    const parts = [
      up.length > 0 ? `X-Sample beats CLIP on ${list(up)}` : '',
      down.length > 0 ? `CLIP beats X-Sample on ${list(down)}` : '',
    ].filter(Boolean);
    return {
      text:
        `Measured on the ${summary.dataset} set over ${seedList(best)} ${where(best)}: ${parts.join('; ')} points (X-Sample − CLIP, 95% paired intervals that exclude 0)` +
        (none.length > 0 ? `; no significant difference on ${list(none)}.` : '.'),
      preset: { name: best.name, changed: best.changed },
    };
  }
  const base = summary.settings.find((s) => s.name === defaultsName) ?? summary.settings[0];
  const others = summary.settings.filter((s) => s !== base).map((s) => `"${s.name}"`);
  return {
    text:
      `Measured on the ${summary.dataset} set over ${seedList(base)} ${where(base)}: no significant difference between X-Sample and CLIP ` +
      `(X-Sample − CLIP, points: ${list(Object.values(base.metrics))}; every 95% paired interval includes 0)` +
      (others.length > 0 ? `, nor at ${others.join(', ')}.` : '.'),
  };
}

/**
 * The settings of a preset: the app's defaults with the preset's changes (each by its Settings field name, through
 * the settings table); the backend and WASM threads stay the user's, as they are this machine's choice.
 */
export function withPreset(config: Settings, changed: Record<string, unknown>): Settings {
  let s: Settings = { ...DEFAULT_SETTINGS, backend: config.backend, wasmThreads: config.wasmThreads };
  for (const [name, value] of Object.entries(changed)) {
    const f = FIELDS.find((x) => fieldName(x) === name);
    if (!f) throw new Error(`preset: ${name} is no setting`);
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') s = setField(s, f, value);
  }
  return s;
}
