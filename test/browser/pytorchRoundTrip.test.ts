import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { parseTar } from 'nanotar';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLOURS, png, writeFolder } from './fixtures';
import { chartData, launch, openApp, waitReady } from './harness';

/**
 * The round trip between the app and the PyTorch trainer: a small folder loaded and trained on in the app (WASM,
 * tiny model, few steps), its run and its prepared dataset exported, the trainer run on them under torchrun (2 gloo
 * processes on the CPU, a few steps, `--init` from the app's run), and its run zip imported back: both runs in one
 * panel, the PyTorch one labelled so, with its loss curve and metrics. Needs /usr/bin/python3 with torch (CI installs
 * python3-torch); elsewhere it is skipped with the reason printed.
 */

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) {
  if (process.env.CI === 'true') throw new Error(`${PYTHON} cannot import torch; CI needs it: apt-get install -y python3-torch`);
  console.log(`pytorchRoundTrip: skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);
}

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HASH = '#data=shapes&backend=wasm&objectives=xsample&steps=6&batch=8&width=16&depth=1&heads=2&graph=tfidf&evalEvery=3';

async function download(page: Page, testId: string, dir: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click(`[data-testid=${testId}]`)]);
  const path = join(dir, d.suggestedFilename());
  await d.saveAs(path);
  return path;
}

describe('Export dataset', () => {
  it('writes a generated set as shards of PNGs of its pixels, in the app split, with dataset.json', async () => {
    const { page, consoleErrors } = await openApp(browser, HASH);
    await waitReady(page);
    const zip = await download(page, 'export-dataset', mkdtempSync(join(tmpdir(), 'xsp-dataset-')));
    expect(zip.endsWith('generated-shapes-600-webdataset.zip')).toBe(true);
    const files = unzipSync(new Uint8Array(readFileSync(zip)));
    expect(Object.keys(files).sort()).toEqual(['dataset.json', 'test-000000.tar', 'train-000000.tar']);
    const info = JSON.parse(new TextDecoder().decode(files['dataset.json']));
    expect(info).toMatchObject({ sourceFormat: 'generated', imageSize: 32, imageTypes: ['png'], counts: { samples: 600, train: 480, test: 120 }, graph: { source: 'tfidf', emb: null } });
    const test = parseTar(files['test-000000.tar']);
    const pngs = test.filter((f) => f.name.endsWith('.png'));
    expect(pngs).toHaveLength(120);
    const head = new DataView(pngs[0].data!.buffer, pngs[0].data!.byteOffset);
    expect([head.getUint32(16), head.getUint32(20)]).toEqual([32, 32]);
    expect(test.filter((f) => f.name.endsWith('.cls'))).toHaveLength(120);
    await expect.poll(() => page.locator('[data-testid=notice]').allTextContents()).toContainEqual(expect.stringMatching(/dataset export: 600 samples \(480 train, 120 held out, seeded 20%\) in 2 WebDataset shard/));
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe.skipIf(!hasTorch)('the same experiment in PyTorch', () => {
  it('app run + prepared dataset -> torchrun (2 processes) -> the PyTorch run imported beside the app run', async () => {
    const t0 = Date.now();
    const files: Record<string, Uint8Array | string> = {};
    const rows = ['file_name,text,label'];
    let n = 0;
    for (const colour of COLOURS)
      for (const shape of ['circle', 'square'] as const)
        for (const size of [24, 32]) {
          const name = `images/${colour}-${shape}-${size}.png`;
          files[name] = await png(colour, size, shape);
          rows.push(`${name},a ${size > 24 ? 'big' : 'small'} ${colour} ${shape},${shape}`);
          n += 1;
        }
    files['metadata.csv'] = rows.join('\n');
    const folder = writeFolder('roundtrip-shapes', files);
    const dir = mkdtempSync(join(tmpdir(), 'xsp-roundtrip-'));

    const { page, consoleErrors } = await openApp(browser, HASH);
    await waitReady(page);
    await page.setInputFiles('[data-testid=folder-input]', folder);
    await page.waitForFunction(() => document.querySelector('[data-testid=load-report]')?.textContent?.startsWith('roundtrip-shapes') && !document.querySelector('[data-testid=load-progress]'), null, {
      timeout: 60_000,
    });
    expect(Number(await page.getAttribute('[data-testid=load-report]', 'data-images'))).toBe(n);
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    const runZip = await download(page, 'export-xsample', dir);
    const datasetZip = await download(page, 'export-dataset', dir);
    expect(datasetZip.endsWith('roundtrip-shapes-webdataset.zip')).toBe(true);
    const prepared = unzipSync(new Uint8Array(readFileSync(datasetZip)));
    const info = JSON.parse(new TextDecoder().decode(prepared['dataset.json']));
    expect(info).toMatchObject({ counts: { samples: n, train: 26, test: 6 }, split: { by: 'seeded 20%' }, labels: ['circle', 'square'], shards: { train: ['train-000000.tar'], test: ['test-000000.tar'] } });
    const tApp = Date.now();

    // The trainer, under torchrun with 2 gloo processes, on the app's zip of shards, from the app's weights.
    const out = join(dir, 'runs');
    const args = ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--nproc_per_node', '2', '-m', 'xsample_playground.train'];
    args.push('--data', datasetZip, '--init', runZip, '--objectives', 'clip', '--steps', '4', '--batch', '8', '--eval-every', '2', '--threads', '1', '--device', 'cpu', '--out', out);
    const py = spawnSync(PYTHON, args, { cwd: resolve('python'), encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const log = `${py.stdout}\n${py.stderr}`;
    expect(py.status, log).toBe(0);
    expect(log).toMatch(/the app's split from dataset\.json \(26 train, 6 held out, seeded 20%\)/);
    expect(log).toMatch(/2 process\(es\) on cpu/);
    const tTorch = Date.now();
    const torchZip = join(out, 'clip.zip');
    const run = unzipSync(new Uint8Array(readFileSync(torchZip)));
    const history = JSON.parse(new TextDecoder().decode(run['history.json'])) as { step: number; loss: number }[];
    const metrics = JSON.parse(new TextDecoder().decode(run['metrics.json'])) as { step: number; knnTop1: number }[];
    expect(history.map((h) => h.step)).toEqual([1, 2, 3, 4]);
    expect(metrics.map((m) => m.step)).toEqual([2, 4]);
    expect(JSON.parse(new TextDecoder().decode(run['config.json'])).origin).toBe('pytorch');

    // Back in the app: the PyTorch run joins the app's run, labelled, with its curve and its metrics.
    await page.setInputFiles('[data-testid=import-weights]', torchZip);
    await expect.poll(() => page.locator('[data-testid=notice]').allTextContents(), { timeout: 60_000 }).toContainEqual(
      expect.stringMatching(/imported clip weights trained in PyTorch from roundtrip-shapes at step 4/),
    );
    await expect.poll(() => page.getAttribute('[data-testid=legend-clip]', 'data-origin')).toBe('pytorch');
    expect(await page.textContent('[data-testid=legend-clip]')).toContain('trained in PyTorch');
    expect(await page.getAttribute('[data-testid=legend-xsample]', 'data-origin')).toBe('browser');
    const traces = await chartData(page, 'loss-chart');
    const torchCurve = traces.find((t) => t.name === 'CLIP (trained in PyTorch) train');
    expect(torchCurve?.x).toEqual([1, 2, 3, 4]);
    expect(torchCurve?.y.map((y) => +y.toFixed(5))).toEqual(history.map((h) => +h.loss.toFixed(5)));
    expect(traces.find((t) => t.name === 'X-Sample train')?.x).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await page.getAttribute('[data-testid=metrics-clip]', 'data-origin')).toBe('pytorch');
    expect(Number(await page.getAttribute('[data-testid=metrics-clip]', 'data-knn'))).toBeCloseTo(metrics[1].knnTop1, 10);
    await page.waitForSelector('[data-testid=metrics-xsample]');
    expect(consoleErrors).toEqual([]);
    console.log(
      `round trip: app (load, 6 steps, exports) ${((tApp - t0) / 1000).toFixed(1)} s, torchrun 2 processes ${((tTorch - tApp) / 1000).toFixed(1)} s, import ${((Date.now() - tTorch) / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await page.close();
  });
});
