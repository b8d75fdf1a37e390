// `npm run prepare-data -- --data DIR_OR_ZIP --out OUT [--graph encoder|labels|tfidf|FILE] [--image-size 32]
//   [--seed 0] [--shard-samples 10000] [--shard-mb 512] [--no-build]`
// Prepares a dataset once for other trainers, with the app's own code: the built app in headless Chromium loads
// DIR_OR_ZIP as the page would (its format detection, decoding, split and caption graph: the sentence encoder by
// default, or --graph), then its "Export dataset" writes WebDataset shards of the app's split and dataset.json;
// they are unpacked into OUT: train-000000.tar …, test-000000.tar …, dataset.json (see src/data/webdatasetShards.ts).
// Give OUT as --data to the PyTorch trainer (python/xsample_playground). `--data demo` prepares the Fluent Emoji demo
// set. A path that does not exist, data without usable images or a caption file the app cannot read stop it with the
// reasons the app's load report gives, and a non-zero exit.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { unzipSync } from 'fflate';
import { startBuiltApp } from './builtApp.mjs';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    graph: { type: 'string', default: 'encoder' },
    'image-size': { type: 'string', default: '32' },
    seed: { type: 'string', default: '0' },
    'shard-samples': { type: 'string', default: '10000' },
    'shard-mb': { type: 'string', default: '512' },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (a.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n'));
  process.exit(0);
}
const fail = (msg) => {
  console.error(`prepare-data: ${msg}`);
  process.exit(1);
};
if (!a.data) fail('--data DIR_OR_ZIP is required (a folder, a zip or an image-caption file set the app reads; `demo` for the demo set)');
if (!a.out) fail('--out OUT is required (the folder for the shards and dataset.json)');
const dataPath = a.data === 'demo' ? undefined : resolve(a.data);
if (dataPath && !existsSync(dataPath)) fail(`--data ${a.data}: no such file or folder`);
const GRAPHS = ['encoder', 'labels', 'tfidf'];
const graphFile = GRAPHS.includes(a.graph) ? undefined : resolve(a.graph);
if (graphFile && !existsSync(graphFile)) fail(`--graph ${a.graph}: not encoder, labels, tfidf or an existing embeddings file`);
const positive = (flag, lo) => {
  const n = Number(a[flag]);
  if (!Number.isInteger(n) || n < lo) fail(`--${flag} ${a[flag]}: a whole number from ${lo}`);
  return n;
};
const limits = { maxSamples: positive('shard-samples', 1), maxBytes: positive('shard-mb', 1) * 1024 * 1024 };
const imageSize = positive('image-size', 8);
const seed = positive('seed', 0);
if (existsSync(a.out) && readdirSync(a.out).some((f) => f.endsWith('.tar') || f === 'dataset.json')) fail(`--out ${a.out} already holds shards or a dataset.json: choose an empty folder`);

const t0 = Date.now();
const app = await startBuiltApp({ build: !a['no-build'] });
try {
  const page = await app.browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const hash = `#${dataPath ? 'data=shapes&' : ''}backend=wasm&graph=${graphFile ? 'file' : a.graph}&image=${imageSize}&seed=${seed}`;
  await page.goto(app.appUrl(hash));
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 180_000 });
  if (dataPath) {
    const isDir = statSync(dataPath).isDirectory();
    await page.setInputFiles(isDir ? '[data-testid=folder-input]' : '[data-testid=files-input]', dataPath);
    const source = basename(dataPath);
    await page.waitForFunction(
      (s) => document.querySelector('[data-testid=load-report]')?.textContent?.includes(s) && !document.querySelector('[data-testid=load-progress]'),
      source,
      { timeout: 1_800_000 },
    );
    const report = await page.evaluate(() => ({
      ...document.querySelector('[data-testid=load-report]').dataset,
      entries: [...document.querySelectorAll('[data-testid=report-entries] li')].map((li) => li.textContent),
      columns: !!document.querySelector('[data-testid=column-picker]'),
      summary: document.querySelector('[data-testid=load-report] p')?.textContent ?? '',
    }));
    const why = report.entries.slice(0, 20).map((e) => `\n  ${e}`).join('') + (report.entries.length > 20 ? `\n  … (${report.entries.length} entries)` : '');
    if (report.columns) fail(`${a.data}: the app cannot tell which columns of its caption table hold the file and the caption; name them as file_name and text (or caption)${why}`);
    const used = await page.evaluate((s) => document.querySelector('[data-testid=load-report]')?.textContent?.includes('not used:') ?? false, source);
    if (Number(report.images) < 2 || used) fail(`${a.data}: ${report.images} usable image(s): ${report.summary.replace(/\s+/g, ' ').trim()}${why}`);
    console.log(`data: ${source}: ${report.images} images, format ${report.format}, ${report.skipped} file(s) skipped${why}`);
  }
  if (graphFile) {
    const b64 = readFileSync(graphFile).toString('base64');
    const note = await page.evaluate(
      async ([name, data]) => window.__playground.api.setGraphFile(name, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)).buffer),
      [basename(graphFile), b64],
    );
    console.log(`graph file: ${note}`);
  }
  // The export crosses to Node as a download, not as JSON.
  const downloading = page.waitForEvent('download', { timeout: 1_800_000 });
  const note = await page.evaluate(async (lim) => {
    try {
      const r = await window.__playground.api.exportDataset(lim);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([r.zip], { type: 'application/zip' }));
      link.download = r.name;
      link.click();
      return { note: r.note };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }, limits);
  if (note.error) fail(`the dataset export failed: ${note.error}`);
  const zipPath = await (await downloading).path();
  const files = unzipSync(readFileSync(zipPath));
  mkdirSync(a.out, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(a.out, name), bytes);
  const info = JSON.parse(Buffer.from(files['dataset.json']).toString('utf8'));
  console.log(note.note);
  console.log(
    `wrote ${Object.keys(files).length - 1} shard(s) and dataset.json to ${a.out}: ${info.counts.train} train, ${info.counts.test} held out (${info.split.by}); graph ${info.graph.kind}${info.graph.emb ? ` (KEY.emb.npy, ${info.graph.emb.dim}-d)` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
} finally {
  await app.close();
}
