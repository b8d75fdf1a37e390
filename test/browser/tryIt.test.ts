import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from './fixtures';
import { launch, openApp, waitReady } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('Try it', () => {
  it('answers an image (a chosen file, an image of the dataset) with neighbours for every run, and a text by the text tower or a labelled stand-in', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm&objectives=clip,xsample&steps=4&batch=8&width=16&depth=1&heads=2&graph=tfidf');
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=try-it]');

    // A text: CLIP answers with its text tower; X-Sample has none, says so, and shows the captions stand-in.
    await page.fill('[data-testid=try-text]', 'red circle');
    await page.click('[data-testid=try-ask]');
    await page.waitForSelector('[data-testid=try-run-xsample]');
    expect(await page.getAttribute('[data-testid=try-run-clip]', 'data-by')).toBe('text');
    expect(await page.getAttribute('[data-testid=try-run-clip]', 'data-count')).toBe('8');
    expect(await page.getAttribute('[data-testid=try-run-xsample]', 'data-by')).toBe('captions');
    expect(await page.textContent('[data-testid=try-run-xsample]')).toMatch(/no text tower.*captions share the most words/);
    expect(Number(await page.getAttribute('[data-testid=try-run-xsample]', 'data-count'))).toBeGreaterThan(0);

    // An image file: every run answers with its 8 nearest held-out images.
    const file = join(tmpdir(), `try-${Date.now()}.png`);
    writeFileSync(file, await png('red', 48, 'circle'));
    await page.setInputFiles('[data-testid=try-file]', file);
    await expect.poll(() => page.getAttribute('[data-testid=try-run-xsample]', 'data-by')).toBe('image');
    for (const o of ['clip', 'xsample']) expect(await page.getAttribute(`[data-testid=try-run-${o}]`, 'data-count')).toBe('8');

    // An image of the dataset: a thumbnail of the preview.
    await page.fill('[data-testid=try-text]', 'blue');
    await page.click('[data-testid=try-ask]');
    await expect.poll(() => page.getAttribute('[data-testid=try-run-xsample]', 'data-by')).toBe('captions');
    await page.click('[data-testid=dataset-preview] button >> nth=0');
    await expect.poll(() => page.getAttribute('[data-testid=try-run-xsample]', 'data-by')).toBe('image');
    for (const o of ['clip', 'xsample']) expect(await page.getAttribute(`[data-testid=try-run-${o}]`, 'data-count')).toBe('8');
    expect(await page.textContent('[data-testid=try-question]')).toMatch(/a (large|small) \w+ (circle|square|triangle|cross|ring)/);
    await page.screenshot({ path: join(tmpdir(), 'h9-try-it.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
