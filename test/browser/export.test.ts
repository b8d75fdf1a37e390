import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-web';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartData, launch, openApp, waitReady } from './harness';

/** RGB in [0, 1] of the first `count` thumbnails (side S) of a sprite PNG, decoded by the browser: (count, S, S, 3). */
async function spriteThumbnails(page: Page, png: Uint8Array, count: number, S: number): Promise<Float32Array> {
  const values = await page.evaluate(
    async ({ b64, count, S }) => {
      const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
      const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const rgba = ctx.getImageData(0, 0, count * S, S).data; // the first row of the grid
      const out: number[] = [];
      for (let k = 0; k < count; k++) for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) out.push(rgba[(y * count * S + k * S + x) * 4 + c] / 255);
      return out;
    },
    { b64: Buffer.from(png).toString('base64'), count, S },
  );
  return Float32Array.from(values);
}

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HASH = '#data=shapes&backend=wasm&objectives=clip,xsample&steps=40&batch=16&width=16&depth=1&heads=2&graph=tfidf&evalEvery=20';

describe('taking results away', () => {
  it('exports a zip with weights, config, metrics, histories, Projector files and charts; imports it back', async () => {
    const { page, consoleErrors } = await openApp(browser, HASH.replace('steps=40', 'steps=20'));
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid=export-xsample]')]);
    expect(download.suggestedFilename()).toBe('xsample-playground-xsample-step20.zip');
    const zipPath = join(mkdtempSync(join(tmpdir(), 'xsp-export-')), download.suggestedFilename());
    await download.saveAs(zipPath);
    const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
    for (const f of ['model.json', 'model.weights.bin', 'model.safetensors', 'image_encoder.onnx', 'config.json', 'metrics.json', 'metrics.csv', 'history.json', 'history.csv', 'projection.csv', 'README.txt', 'projector/vectors.tsv', 'projector/metadata.tsv', 'projector/sprite.png', 'projector/projector_config.pbtxt', 'charts/loss-chart.png'])
      expect(Object.keys(files), f).toContain(f);
    const text = (f: string) => new TextDecoder().decode(files[f]);
    expect(text('projector/vectors.tsv').trim().split('\n')).toHaveLength(120);
    expect(text('projector/metadata.tsv').trim().split('\n')).toHaveLength(121);
    expect(text('history.csv').trim().split('\n')).toHaveLength(21);
    const png = new DataView(files['projector/sprite.png'].buffer, files['projector/sprite.png'].byteOffset);
    expect([png.getUint32(16), png.getUint32(20)]).toEqual([11 * 32, 11 * 32]); // ceil(sqrt(120)) thumbnails of 32 px
    const config = JSON.parse(text('config.json'));
    expect(config.objective).toBe('xsample');
    expect(config.timm.kwargs.embed_dim).toBe(16);
    // The run's augmentation recipe and the numbers it trained with (X-Sample: the session's, SimCLR-style).
    expect(config.config.augmentRecipe).toBe('session');
    expect(config.augmentation).toEqual({ recipe: 'session', minCropScale: 0.5, flipProb: 0.5, brightness: 0.2, contrast: 0.2, saturation: 0.2 });
    expect(JSON.parse(text('model.json')).userDefinedMetadata.step).toBe(20);
    // The ONNX image encoder, in onnxruntime, gives the Projector's vectors (the app's embeddings) of the sprite's images.
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(files['image_encoder.onnx']);
    const images = await spriteThumbnails(page, files['projector/sprite.png'], 4, 32);
    const { embedding } = await session.run({ image: new ort.Tensor('float32', images, [4, 32, 32, 3]) });
    expect(embedding.dims).toEqual([4, 64]);
    const appVectors = text('projector/vectors.tsv').trim().split('\n').slice(0, 4).flatMap((line) => line.split('\t').map(Number));
    const onnxVectors = Array.from(embedding.data as Float32Array);
    const maxDiff = Math.max(...onnxVectors.map((v, i) => Math.abs(v - appVectors[i])));
    console.log(`image_encoder.onnx: ${files['image_encoder.onnx'].length} bytes; max |onnxruntime - vectors.tsv| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-5); // vectors.tsv keeps 6 significant digits
    await session.release();

    // Import into a fresh page: the run comes back at its step and is evaluated on the loaded data.
    const fresh = await openApp(browser, HASH);
    await waitReady(fresh.page);
    await fresh.page.setInputFiles('[data-testid=import-weights]', zipPath);
    await expect.poll(() => fresh.page.locator('[data-testid=notice]').allTextContents(), { timeout: 60_000 }).toContainEqual(
      expect.stringMatching(/imported xsample weights from generated shapes \(600\) at step 20; training continues to step 40/),
    );
    await fresh.page.waitForSelector('[data-testid=metrics-xsample]');
    // A model of another width gets a clear message.
    const other = await openApp(browser, HASH.replace('width=16', 'width=32'));
    await waitReady(other.page);
    await other.page.setInputFiles('[data-testid=import-weights]', zipPath);
    await expect.poll(() => other.page.locator('[data-testid=errors]').textContent()).toMatch(/width is 16 in the checkpoint but 32 in the current model/);
    expect(consoleErrors).toEqual([]);
    await Promise.all([page.close(), fresh.page.close(), other.page.close()]);
  });

  it('keeps runs across a reload: listed, renamed, resumed where they paused, deleted', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${(await import('vitest')).inject('appUrl')}${HASH}`);
    await waitReady(page);
    await page.click('[data-testid=start]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=progress]', 'data-step')), { timeout: 60_000 }).toBeGreaterThan(8);
    await page.click('[data-testid=pause]');
    await page.waitForSelector('[data-testid=saved-run]');
    const pausedAt = Number(await page.getAttribute('[data-testid=progress]', 'data-step'));
    // Come back through a link with another step count: resuming brings the saved config back to the screen.
    await page.goto(page.url().replace('steps=40', 'steps=100'));
    await page.reload();
    await waitReady(page);
    expect(await page.inputValue('[data-testid=cfg-steps]')).toBe('100');
    await page.waitForSelector('[data-testid=saved-run]');
    await page.fill('[data-testid=saved-name]', 'my first comparison');
    await page.click('[data-testid=saved-rename]');
    await expect.poll(() => page.inputValue('[data-testid=saved-name]')).toBe('my first comparison');
    await page.click('[data-testid=saved-resume]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=progress]', 'data-step'))).toBe(pausedAt);
    await expect.poll(() => page.inputValue('[data-testid=cfg-steps]')).toBe('40');
    expect(await page.evaluate(() => window.location.hash)).toContain('steps=40');
    const trainLengths = async () => (await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith('train')).map((t) => t.x.length);
    await expect.poll(trainLengths).toEqual([pausedAt, pausedAt]);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await expect.poll(trainLengths).toEqual([40, 40]);
    const done = (await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith('train'));
    expect(done[0].x.slice(0, 3)).toEqual([1, 2, 3]);
    await page.click('[data-testid=saved-delete]');
    await expect.poll(() => page.locator('[data-testid=saved-run]').count()).toBe(0);
    await context.close();
  });

  it('keeps training when browser storage is full, and says the save was skipped', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const url = `${(await import('vitest')).inject('appUrl')}${HASH}`;
    // A 16 kB quota for the app's origin: far less than one saved run (weights and Adam moments).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(url).origin, quotaSize: 16_000 });
    await page.goto(url);
    await waitReady(page);
    await page.click('[data-testid=start]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=progress]', 'data-step')), { timeout: 60_000 }).toBeGreaterThan(3);
    await page.click('[data-testid=pause]');
    await expect.poll(() => page.locator('[data-testid=notice]').allTextContents()).toContainEqual(expect.stringMatching(/browser storage is full: ".+" was not saved at this step/));
    expect(await page.locator('[data-testid=saved-run]').count()).toBe(0);
    // The run itself is intact: it goes on to its last step.
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await expect.poll(async () => (await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith('train')).map((t) => t.x.length)).toEqual([40, 40]);
    expect(consoleErrors).toEqual([]);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(url).origin });
    await context.close();
  });
});
