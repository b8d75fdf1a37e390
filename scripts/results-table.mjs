// `node scripts/results-table.mjs NAME=FILE.json [NAME=FILE.json ...] [--out SUMMARY.json]`
// Reads the JSONs `npm run experiment -- --seeds ...` wrote and prints one Markdown table: per setting (its NAME)
// and metric, each objective's mean and 95% t-interval over seeds, and the paired difference X-Sample − CLIP with
// its interval (bold where it excludes 0). With --out it also writes the numbers the app states next to the
// objectives (src/ui/MeasuredNote.tsx reads bench/results/summary.json): per setting its seeds, the settings that
// differ from the app's defaults, and per metric the means and the paired difference.
import { readFileSync, writeFileSync } from 'node:fs';

const METRICS = [
  ['knnTop1', 'k-NN top-1, backbone'],
  ['linearProbeTop1', 'linear probe, backbone'],
  ['knnTop1Projected', 'k-NN top-1, projection'],
  ['linearProbeTop1Projected', 'linear probe, projection'],
];
// What a run's config says that the table should name when it differs from the app's defaults.
const DEFAULTS = { steps: 300, batchSize: 32, lr: 0.001, tau: 0.1, tauS: 0.1, graph: 'encoder', sameAugment: false, clipScaleFromTau: false };

const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? args[outIdx + 1] : undefined;
const inputs = args.filter((a, i) => a !== '--out' && i !== outIdx + 1);
if (inputs.length === 0 || inputs.some((a) => !a.includes('='))) {
  console.error('usage: node scripts/results-table.mjs NAME=FILE.json [NAME=FILE.json ...] [--out SUMMARY.json]');
  process.exit(1);
}

const pct = (x) => (x * 100).toFixed(1);
const interval = (s) => `${pct(s.mean)} [${pct(s.ci[0])}, ${pct(s.ci[1])}]`;
const settings = [];
const lines = ['| setting | metric | CLIP | X-Sample | X-Sample − CLIP |', '|---|---|---|---|---|'];
for (const input of inputs) {
  const [name, file] = input.split('=');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const s = json.summary;
  if (!s?.paired) {
    console.error(`${file}: no summary over seeds with a paired difference (run the experiment with --seeds and two objectives)`);
    process.exit(1);
  }
  const cfg = json.results.find((r) => r.objective === 'xsample')?.config ?? json.results[0].config;
  // A run from before recipes has no sameAugment: every run had the session's augmentation and CLIP's t from 1/0.07.
  const own = 'sameAugment' in cfg ? cfg : { ...cfg, sameAugment: true, clipScaleFromTau: false };
  const changed = Object.fromEntries(Object.entries(DEFAULTS).filter(([k, v]) => own[k] !== v).map(([k]) => [k, own[k]]));
  const metrics = {};
  for (const [key, label] of METRICS) {
    const clip = s.byObjective.clip[key];
    const xs = s.byObjective.xsample[key];
    const d = s.paired.byMetric[key];
    const diff = `${d.significant ? '**' : ''}${d.mean >= 0 ? '+' : ''}${interval(d)}${d.significant ? '**' : ''}`;
    lines.push(`| ${name} | ${label} | ${interval(clip)} | ${interval(xs)} | ${diff} |`);
    metrics[key] = { label, clip: clip.mean, xsample: xs.mean, diff: d.mean, diffCi: d.ci, significant: d.significant };
  }
  settings.push({ name, file, seeds: s.seeds, changed, metrics });
}
console.log(`accuracies in %, mean [95% t-interval] over seeds; bold: the interval of the paired difference excludes 0\n`);
console.log(lines.join('\n'));
if (out) {
  writeFileSync(out, `${JSON.stringify({ dataset: 'demo', settings }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}
