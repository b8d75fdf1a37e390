// `npm run bench`: times training steps of the built app's worker in headless Chromium, per backend.
// Flags: --batch --width --depth --heads --image --patch --steps --objectives clip,xsample
//        --backends webgpu,wasm,cpu --json FILE --threads N (WASM threads; 0, the default, is the app's automatic
//        count). Prints numbers; never passes or fails on time.
//        --panel SECONDS: instead, train the demo set at the default settings for that long and print how long each
//        chart redraw held the main thread (the "plot-redraw <chart>" measures) and every long task (> 50 ms).
//        --cold-runs N (default 1; 0 skips it): the time to the first picture from a cold page load, in a fresh
//        browser context (no cache, no IndexedDB): first paint, Train enabled, then after a click on Train the first
//        loss point, the first heatmap and the first projection.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBuiltApp } from './builtApp.mjs';

const { values: a } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    width: { type: 'string', default: '64' },
    depth: { type: 'string', default: '2' },
    heads: { type: 'string', default: '4' },
    image: { type: 'string', default: '32' },
    patch: { type: 'string', default: '4' },
    steps: { type: 'string', default: '10' },
    objectives: { type: 'string', default: 'clip,xsample' },
    backends: { type: 'string', default: 'webgpu,wasm,cpu' },
    json: { type: 'string' },
    decode: { type: 'string', default: '2000' },
    'no-build': { type: 'boolean', default: false },
    panel: { type: 'string' },
    'cold-runs': { type: 'string', default: '1' },
    threads: { type: 'string', default: '0' },
  },
});

const app = await startBuiltApp({ build: !a['no-build'] });
const browser = app.browser;
if (a.panel) {
  await benchPanel(Number(a.panel));
  await app.close();
  process.exit(0);
}
const cold = [];
for (let i = 0; i < Number(a['cold-runs']); i++) cold.push(await coldStart());
const page = await browser.newPage();
await page.goto(app.appUrl(`#backend=wasm&threads=${Number(a.threads)}`));
await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 60_000 });

const request = {
  steps: Number(a.steps),
  objectives: a.objectives.split(','),
  backends: a.backends.split(','),
  model: { imageSize: +a.image, patchSize: +a.patch, width: +a.width, depth: +a.depth, heads: +a.heads },
  batchSize: +a.batch,
};
console.log(`config: batch ${a.batch}, image ${a.image}, patch ${a.patch}, width ${a.width}, depth ${a.depth}, heads ${a.heads}; ${a.steps} timed steps after 2 warm-up steps`);
const results = await page.evaluate(async (req) => {
  const w = window;
  const api = w.__playground.api;
  const cfg = w.__playground.defaultConfig;
  const config = { ...cfg, batchSize: req.batchSize, model: { ...cfg.model, ...req.model } };
  return api.benchmark({ config, objectives: req.objectives, backends: req.backends, steps: req.steps });
}, request);

const rows = results.map((r) =>
  r.started
    ? [r.backend, r.objective, r.medianMs.toFixed(1), r.imagesPerSec.toFixed(1), String(r.kernelsPerStep), `${r.tensorsBefore} -> ${r.tensorsAfter}`, `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`, r.adapter]
    : [r.backend, r.objective, '-', '-', '-', '-', '-', `not started: ${r.note}`],
);
const head = ['backend', 'objective', 'ms/step (median)', 'images/s', 'kernels/step', 'tensors', 'loss', 'adapter'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(head));
for (const r of rows) console.log(line(r));
// Decoding: N generated 96×72 JPEGs, loaded through the same path as a user's folder.
const decode = await page.evaluate(async (n) => {
  const files = [];
  for (let i = 0; i < n; i++) {
    const canvas = new OffscreenCanvas(96, 72);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = `hsl(${(i * 37) % 360} 70% 50%)`;
    ctx.fillRect(0, 0, 96, 72);
    ctx.fillStyle = '#fff';
    ctx.fillRect((i * 7) % 60, (i * 5) % 40, 30, 30);
    files.push({ path: `bench/${i}.jpg`, blob: await canvas.convertToBlob({ type: 'image/jpeg' }) });
    files.push({ path: `bench/${i}.txt`, blob: new Blob([`image ${i}`]) });
  }
  const api = window.__playground.api;
  const outcome = await api.loadFiles(files, 'bench', { imageSize: 32, classTemplate: 'a photo of a {label}' });
  return { images: outcome.report.images, ms: outcome.report.ms };
}, Number(a.decode));
console.log(`decoding: ${decode.images} JPEGs (96×72 -> 32×32) in ${(decode.ms / 1000).toFixed(2)} s = ${((decode.images * 1000) / decode.ms).toFixed(0)} images/s`);

for (const c of cold)
  console.log(
    `cold page load (demo set, defaults, backend ${c.backend}): first paint ${sec(c.firstPaint)}, Train enabled ${sec(c.trainEnabled)}; ` +
      `after clicking Train: first loss point ${sec(c.firstLoss)}, first heatmap ${sec(c.firstHeatmap)}, first projection ${sec(c.firstProjection)}`,
  );
if (a.json) {
  writeFileSync(a.json, JSON.stringify({ request, results, decode, cold, date: new Date().toISOString() }, null, 2));
  console.log(`wrote ${a.json}`);
}
await app.close();

/** The live panel at default settings (the page as a link without a hash opens it) on the demo set, 1280x800. */
async function benchPanel(seconds) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(app.appUrl());
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 120_000 });
  const t0 = await page.evaluate(() => performance.now());
  await page.click('[data-testid=start]');
  await page.waitForTimeout(seconds * 1000);
  const backend = await page.getAttribute('[data-testid=backend]', 'data-backend');
  const step = await page.getAttribute('[data-testid=progress]', 'data-step');
  const { redraws, longTasks } = await page.evaluate((start) => ({
    redraws: performance.getEntriesByType('measure').filter((e) => e.name.startsWith('plot-redraw ')).map((e) => ({ chart: e.name.slice(12), start: e.startTime, ms: e.duration, training: e.startTime >= start })),
    longTasks: window.__longTasks.map((t) => ({ ...t, training: t.start >= start })),
  }), t0);
  console.log(`live panel: demo set, default settings, ${seconds} s of training on ${backend} (reached step ${step}), 1280x800`);
  const rows = [];
  for (const chart of [...new Set(redraws.map((r) => r.chart))]) {
    for (const phase of [false, true]) {
      const ms = redraws.filter((r) => r.chart === chart && r.training === phase).map((r) => r.ms).sort((x, y) => x - y);
      if (ms.length === 0) continue;
      const q = (f) => ms[Math.min(ms.length - 1, Math.floor(ms.length * f))].toFixed(0);
      rows.push([chart, phase ? 'training' : 'page load', String(ms.length), q(0.5), q(0.9), q(1), String(ms.filter((m) => m > 50).length)]);
    }
  }
  const head = ['chart', 'when', 'redraws', 'median ms', 'p90 ms', 'max ms', 'over 50 ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  const busy = redraws.filter((r) => r.training).reduce((t, r) => t + r.ms, 0);
  console.log(`redraws while training: ${redraws.filter((r) => r.training).length}, ${(busy / 1000).toFixed(1)} s of main-thread time (${((busy / 10 / seconds)).toFixed(1)}% of it)`);
  const lt = (phase) => longTasks.filter((t) => t.training === phase).map((t) => t.ms.toFixed(0));
  console.log(`long tasks (> 50 ms) at page load: ${lt(false).length} [${lt(false).join(', ')}]; while training: ${lt(true).length} [${lt(true).join(', ')}]`);
  if (a.json) writeFileSync(a.json, JSON.stringify({ seconds, backend, step, redraws, longTasks, date: new Date().toISOString() }, null, 2));
}

function sec(ms) {
  return ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

/** A first visit: a fresh context (empty cache and IndexedDB), the page as a link without a hash opens it. */
async function coldStart() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(app.appUrl());
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 300_000 });
  const trainEnabled = Date.now() - t0;
  const firstPaint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
  const t1 = Date.now();
  await page.click('[data-testid=start]');
  /** ms after the click until the chart with this test id holds a trace with at least one point. */
  const until = async (selector) => {
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].some((el) => (el.data ?? []).some((t) => (t.x?.length ?? 0) > 0 || (t.z?.length ?? 0) > 0)),
      selector,
      { timeout: 300_000, polling: 50 },
    );
    return Date.now() - t1;
  };
  const firstLoss = await until('[data-testid=loss-chart]');
  const firstHeatmap = await until('[data-testid^=heatmap-]:not([data-testid=heatmap-panel]):not([data-testid=heatmap-target])');
  const firstProjection = await until('[data-testid^=projection-]:not([data-testid=projection-panel]):not([data-testid=projection-search])');
  const backend = await page.getAttribute('[data-testid=backend]', 'data-backend');
  await context.close();
  return { backend, firstPaint, trainEnabled, firstLoss, firstHeatmap, firstProjection };
}
