import { unzipSync } from 'fflate';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartData, launch, openApp, waitReady } from './harness';

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
    for (const f of ['model.json', 'model.weights.bin', 'model.safetensors', 'config.json', 'metrics.json', 'metrics.csv', 'history.json', 'history.csv', 'projection.csv', 'README.txt', 'projector/vectors.tsv', 'projector/metadata.tsv', 'projector/sprite.png', 'projector/projector_config.pbtxt', 'charts/loss-chart.png'])
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
