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
 * processes on the CPU, more steps of the same objective, `--init` from the app's run), and its run zip imported back:
 * the app's CLIP run and the PyTorch CLIP run that went on from it in one panel, the PyTorch one shown beside the live
 * run as a reference run (dashed, labelled "trained in PyTorch"), with its loss curve and its metrics row. Needs /usr/bin/python3 with torch (CI installs
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

const HASH = '#data=shapes&backend=wasm&objectives=clip&steps=6&batch=8&width=16&depth=1&heads=2&graph=tfidf&evalEvery=3';

async function download(page: Page, testId: string, dir: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click(`[data-testid=${testId}]`)]);
  const path = join(dir, d.suggestedFilename());
  await d.saveAs(path);
  return path;
}

/** Each trace of a chart: its name, y axis, line colour and dash. */
async function traceStyles(page: Page, testId: string): Promise<{ name: string; yaxis: string; colour: string; dash: string }[]> {
  return page.evaluate((id) => {
    type Trace = { name: string; yaxis?: string; line?: { color?: string; dash?: string } };
    const el = document.querySelector(`[data-testid=${id}]`) as (HTMLElement & { data?: Trace[] }) | null;
    return (el?.data ?? []).map((t) => ({ name: t.name, yaxis: t.yaxis ?? 'y', colour: t.line?.color ?? '', dash: t.line?.dash ?? 'solid' }));
  }, testId);
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
  it('app CLIP run + prepared dataset -> torchrun (2 processes) goes on with it -> both CLIP runs in one panel', async () => {
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
    const runZip = await download(page, 'export-clip', dir);
    const datasetZip = await download(page, 'export-dataset', dir);
    expect(datasetZip.endsWith('roundtrip-shapes-webdataset.zip')).toBe(true);
    const prepared = unzipSync(new Uint8Array(readFileSync(datasetZip)));
    const info = JSON.parse(new TextDecoder().decode(prepared['dataset.json']));
    expect(info).toMatchObject({ counts: { samples: n, train: 26, test: 6 }, split: { by: 'seeded 20%' }, labels: ['circle', 'square'], shards: { train: ['train-000000.tar'], test: ['test-000000.tar'] } });
    const tApp = Date.now();

    // The trainer, under torchrun with 2 gloo processes, on the app's zip of shards: the same objective, from the app's
    // run's weights: it goes on from the app's step 6 to step 12 (the same schedule and batch order).
    const out = join(dir, 'runs');
    const args = ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--nproc_per_node', '2', '-m', 'xsample_playground.train'];
    args.push('--data', datasetZip, '--init', runZip, '--objectives', 'clip', '--steps', '12', '--batch', '8', '--eval-every', '4', '--threads', '1', '--device', 'cpu', '--out', out);
    const py = spawnSync(PYTHON, args, { cwd: resolve('python'), encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const log = `${py.stdout}\n${py.stderr}`;
    expect(py.status, log).toBe(0);
    expect(log).toMatch(/the app's split from dataset\.json \(26 train, 6 held out, seeded 20%\)/);
    expect(log).toMatch(/2 process\(es\) on cpu/);
    expect(log).toMatch(/clip: continuing .*clip.* from step 6 to 12/);
    const tTorch = Date.now();
    const torchZip = join(out, 'clip.zip');
    const run = unzipSync(new Uint8Array(readFileSync(torchZip)));
    const history = JSON.parse(new TextDecoder().decode(run['history.json'])) as { step: number; loss: number }[];
    const metrics = JSON.parse(new TextDecoder().decode(run['metrics.json'])) as { step: number; knnTop1: number }[];
    expect(history.map((h) => h.step)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(metrics.map((m) => m.step)).toEqual([8, 12]);
    expect(JSON.parse(new TextDecoder().decode(run['config.json'])).origin).toBe('pytorch');

    // Back in the app: the PyTorch run is shown beside the app's CLIP run (a reference run), which stays as it was.
    const appTrain = (await chartData(page, 'loss-chart')).find((t) => t.name === 'CLIP train');
    expect(appTrain?.x).toEqual([1, 2, 3, 4, 5, 6]);
    await page.setInputFiles('[data-testid=import-weights]', torchZip);
    await expect.poll(() => page.locator('[data-testid=notice]').allTextContents(), { timeout: 60_000 }).toContainEqual(
      expect.stringMatching(/imported clip weights trained in PyTorch from roundtrip-shapes at step 12: shown beside the CLIP run as a reference/),
    );
    await page.waitForSelector('[data-testid=legend-ref-clip]');
    expect(await page.getAttribute('[data-testid=legend-ref-clip]', 'data-origin')).toBe('pytorch');
    expect(await page.textContent('[data-testid=legend-ref-clip]')).toContain('CLIP (trained in PyTorch)');
    expect(await page.getAttribute('[data-testid=legend-clip]', 'data-origin')).toBe('browser');
    expect(await page.textContent('[data-testid=legend-clip]')).not.toContain('PyTorch');
    // One panel (one objective) with both runs' curves: the app's training loss and held-out loss, and the PyTorch run's.
    const names = async () => (await chartData(page, 'loss-chart')).map((t) => t.name).sort();
    await expect.poll(names).toEqual(['CLIP (trained in PyTorch) held-out', 'CLIP (trained in PyTorch) train', 'CLIP held-out', 'CLIP train']);
    const traces = await chartData(page, 'loss-chart');
    const styles = await traceStyles(page, 'loss-chart');
    expect(new Set(styles.map((t) => t.yaxis))).toEqual(new Set(['y'])); // the one CLIP panel
    expect(styles.find((t) => t.name === 'CLIP (trained in PyTorch) train')).toMatchObject({ dash: 'dash', colour: styles.find((t) => t.name === 'CLIP train')?.colour });
    expect(traces.find((t) => t.name === 'CLIP train')).toEqual(appTrain); // untouched
    const torchCurve = traces.find((t) => t.name === 'CLIP (trained in PyTorch) train');
    expect(torchCurve?.x).toEqual(history.map((h) => h.step));
    expect(torchCurve?.y.map((y) => +y.toFixed(5))).toEqual(history.map((h) => +h.loss.toFixed(5)));
    // Both metrics rows: the app run's, and the PyTorch run's with its own numbers.
    expect(await page.getAttribute('[data-testid=metrics-clip]', 'data-origin')).toBe('browser');
    expect(await page.getAttribute('[data-testid=metrics-ref-clip]', 'data-origin')).toBe('pytorch');
    expect(await page.textContent('[data-testid=metrics-ref-clip]')).toContain('CLIP (trained in PyTorch)');
    expect(Number(await page.getAttribute('[data-testid=metrics-ref-clip]', 'data-knn'))).toBeCloseTo(metrics[1].knnTop1, 10);
    // The other choice is offered: train on from the PyTorch weights, replacing the app's run.
    expect(await page.textContent('[data-testid=continue-ref-clip]')).toBe('Continue training from these weights (replaces the CLIP run)');
    await page.click('[data-testid=continue-ref-clip]');
    await expect.poll(() => page.getAttribute('[data-testid=legend-clip]', 'data-origin')).toBe('pytorch');
    await expect.poll(() => page.locator('[data-testid=legend-ref-clip]').count()).toBe(0);
    await expect.poll(names).toEqual(['CLIP (trained in PyTorch) held-out', 'CLIP (trained in PyTorch) train']);
    // Imported again beside it, then taken off the page with its chip's ×.
    await page.setInputFiles('[data-testid=import-weights]', torchZip);
    await page.waitForSelector('[data-testid=legend-ref-clip]');
    await page.click('[data-testid=remove-ref-clip]');
    await expect.poll(() => page.locator('[data-testid=legend-ref-clip]').count()).toBe(0);
    expect(await page.locator('[data-testid=metrics-ref-clip]').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    console.log(
      `round trip: app (load, 6 steps, exports) ${((tApp - t0) / 1000).toFixed(1)} s, torchrun 2 processes ${((tTorch - tApp) / 1000).toFixed(1)} s, import ${((Date.now() - tTorch) / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await page.close();
  });
});
