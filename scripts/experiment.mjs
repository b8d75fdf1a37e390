// `npm run experiment -- --data DIR_OR_ZIP --objectives clip,xsample --steps N --seeds 0,1,2 --backend auto|webgpu|wasm
//   --graph encoder|labels|tfidf|FILE --out results.json`
// Every other `--key value` is a setting of the app's settings table (src/core/settingsTable.ts), with the key of
// the URL hash (kebab-case works too): --batch 32 --lr 0.001 --tau-s 0.1 --width 64 --depth 2 --eval-every 100
// --centre 1 --same-aug 1 --t-from-tau 1 ... (defaults: the app's, except --steps 200 and --eval-every 100). The page checks them: an unknown
// key or a value out of range stops the run with a message naming it and what it allows.
// With several seeds (--seeds; --seed S is one), every objective trains on every seed (the same seeds for each, so
// the same batches and initial weights), and the table gives per metric the mean, the sample standard deviation and
// the 95% t-interval over seeds, and the paired difference of the first two objectives (say xsample - clip) with its
// interval; the JSON keeps every seed's numbers.
// Runs the app's own worker code in headless Chromium on any dataset the app takes (a folder, a zip, `demo` for
// the Fluent Emoji set or `shapes` for the generated one), writes per objective the loss history, the metrics, the
// backend, steps/s and the config, and prints a short table.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBuiltApp } from './builtApp.mjs';

const OWN = {
  data: { type: 'string', default: 'demo' },
  objectives: { type: 'string', default: 'clip,xsample' },
  seed: { type: 'string', default: '0' },
  seeds: { type: 'string' },
  graph: { type: 'string', default: 'encoder' },
  out: { type: 'string', default: 'results.json' },
  'no-build': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};
// The runner's own flags go to parseArgs; every other `--key value` (or `--key=value`) is a setting for the page.
const own = [];
const settingFlags = new Map([
  ['steps', '200'],
  ['evalEvery', '100'],
]);
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
  if (!m || m[1] in OWN) {
    own.push(argv[i]);
    continue;
  }
  const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  settingFlags.set(key, m[2] ?? argv[++i] ?? '');
}
const { values: a } = parseArgs({ args: own, options: OWN });
if (a.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n'));
  process.exit(0);
}
const fail = (msg) => {
  console.error(`experiment: ${msg}`);
  process.exit(1);
};
const GRAPHS = ['encoder', 'labels', 'tfidf'];
const graphFile = GRAPHS.includes(a.graph) ? undefined : resolve(a.graph);
if (graphFile && !existsSync(graphFile)) fail(`--graph ${a.graph}: not encoder, labels, tfidf or an existing file`);
const dataPath = ['demo', 'shapes'].includes(a.data) ? undefined : resolve(a.data);
if (dataPath && !existsSync(dataPath)) fail(`--data ${a.data} does not exist`);

const app = await startBuiltApp({ build: !a['no-build'] });
const browser = app.browser;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const start = a.data === 'demo' ? '' : 'data=shapes&';
  await page.goto(app.appUrl(`#${start}backend=${settingFlags.get('backend') ?? 'auto'}&graph=tfidf`));
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 180_000 });

  if (dataPath) {
    const isDir = statSync(dataPath).isDirectory();
    await page.setInputFiles(isDir ? '[data-testid=folder-input]' : '[data-testid=files-input]', dataPath);
    const source = isDir ? basename(dataPath) : basename(dataPath);
    await page.waitForFunction(
      (s) => document.querySelector('[data-testid=load-report]')?.textContent?.startsWith(s) && !document.querySelector('[data-testid=load-progress]'),
      source,
      { timeout: 900_000 },
    );
    const report = await page.evaluate(() => document.querySelector('[data-testid=load-report]').dataset);
    console.log(`data: ${source}: ${report.images} images, format ${report.format}, ${report.skipped} files skipped`);
    if (Number(report.images) < 2) fail(`nothing usable in ${a.data}; see the load report in the app`);
  }
  if (graphFile) {
    const b64 = readFileSync(graphFile).toString('base64');
    const note = await page.evaluate(
      async ([name, data]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        return window.__playground.api.setGraphFile(name, bytes.buffer);
      },
      [basename(graphFile), b64],
    );
    console.log(`graph file: ${note}`);
  }
  const objectives = a.objectives.split(',').map((s) => s.trim());
  const seeds = (a.seeds ?? a.seed).split(',').map((x) => Number(x.trim()));
  if (seeds.some((x) => !Number.isInteger(x) || x < 0)) fail(`--seeds ${a.seeds}: whole numbers from 0, separated by commas`);
  const t0 = Date.now();
  const perSeed = [];
  for (const seed of seeds) {
    const errors = await page.evaluate(
      async ({ flags, objectives }) => {
        const { api, defaultConfig, parseSettings } = window.__playground;
        const { settings, errors } = parseSettings(flags, defaultConfig);
        return errors.length > 0 ? errors : api.configure(settings, objectives);
      },
      { flags: [...settingFlags, ['seed', String(seed)], ['graph', graphFile ? 'file' : a.graph]], objectives },
    );
    if (errors.length > 0) fail(errors.join('; '));
    // configure() leaves the runs idle at step 0; wait for the page to show it before the previous seed's 'done' is read.
    await page.waitForFunction(() => document.querySelector('[data-testid=progress]')?.dataset.state === 'idle', null, { timeout: 60_000 });
    const notices = await page.locator('[data-testid=notice]').allTextContents();
    for (const n of notices) console.log(`note: ${n}`);
    await page.evaluate(() => window.__playground.api.start());
    let last = -1;
    for (;;) {
      const [state, step] = await page.evaluate(() => {
        const el = document.querySelector('[data-testid=progress]');
        return [el.dataset.state, Number(el.dataset.step)];
      });
      if (Math.floor(step / 50) !== Math.floor(last / 50)) console.log(`seed ${seed}: step ${step} / ${settingFlags.get('steps')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      last = step;
      if (state === 'done') break;
      const errs = await page.locator('[data-testid=errors]').allTextContents();
      if (state === 'paused' && errs.length > 0) fail(errs.join('; '));
      await page.waitForTimeout(500);
    }
    perSeed.push({ seed, results: await page.evaluate(() => window.__playground.api.results()) });
  }
  const results = perSeed[0].results;
  const summary = seeds.length > 1 ? await page.evaluate(([runs, objs]) => window.__playground.summariseSeeds(runs, objs), [perSeed, objectives]) : undefined;
  writeFileSync(
    a.out,
    JSON.stringify({ args: a, date: new Date().toISOString(), wallSeconds: (Date.now() - t0) / 1000, seeds, results, perSeed, summary }, null, 2),
  );

  const pct = (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)}%`);
  const rows = results.map((r) => {
    const f = r.final ?? {};
    const last10 = r.history.slice(-10);
    return [
      r.objective,
      String(r.steps),
      (last10.reduce((s, h) => s + h.loss, 0) / Math.max(1, last10.length)).toFixed(3),
      f.heldOutLoss?.toFixed(3) ?? '-',
      `${pct(f.knnTop1)} (${pct(f.knnTop1Projected)})`,
      `${pct(f.linearProbeTop1)} (${pct(f.linearProbeTop1Projected)})`,
      f.retrieval ? `${pct(f.retrieval.imageToText.r1)} / ${pct(f.retrieval.textToImage.r1)}` : '-',
      f.graphSpearman?.toFixed(3) ?? '-',
      r.stepsPerSec.toFixed(2),
      r.backend.active,
    ];
  });
  const head = ['objective', 'steps', 'train loss', 'held-out loss', 'k-NN top-1 (proj.)', 'probe top-1 (proj.)', 'R@1 i→t / t→i', 'graph ρ', 'steps/s', 'backend'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`\n${results[0]?.dataset?.name}: ${results[0]?.dataset?.trainSize} train / ${results[0]?.dataset?.heldOutSize} held-out; graph: ${results[0]?.dataset?.graph}`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  if (summary) printSummary(summary);
  console.log(`\nwrote ${a.out}`);
} finally {
  await app.close();
}

/** Mean ± sd and the 95% interval per objective and metric over seeds, then the paired difference. */
function printSummary(summary) {
  const f = (x, pct) => (x === null || x === undefined || Number.isNaN(x) ? '-' : pct ? `${(x * 100).toFixed(1)}` : x.toFixed(3));
  const cell = (s, pct) => (s && s.n > 0 ? `${f(s.mean, pct)} ± ${f(s.sd, pct)} [${f(s.ci[0], pct)}, ${f(s.ci[1], pct)}]` : '-');
  console.log(`\nover ${summary.seeds.length} seeds (${summary.seeds.join(', ')}): mean ± sd [95% t-interval]; accuracies in %`);
  const metrics = summary.metrics;
  const head = ['metric', ...summary.objectives, summary.paired ? `${summary.paired.a} − ${summary.paired.b}` : ''];
  const rows = metrics.map((m) => [
    m.label,
    ...summary.objectives.map((o) => cell(summary.byObjective[o][m.key], m.percent)),
    summary.paired ? `${cell(summary.paired.byMetric[m.key], m.percent)}${summary.paired.byMetric[m.key]?.significant ? ' *' : ''}` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  if (summary.paired) console.log('* the 95% interval of the paired difference excludes 0');
}
