import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFolder } from './fixtures';
import { launch, openApp, waitReady } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('the X-Sample side in the app', () => {
  it('shows a sample’s target distribution, live with τ_s, then held-out metrics for both runs', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm&objectives=clip,xsample&steps=20&evalEvery=10&batch=16&width=16&depth=1&heads=2');
    await waitReady(page);
    expect(await page.textContent('[data-testid=dataset-summary]')).toContain('Universal Sentence Encoder lite');
    // 70 distinct captions (5 shapes x 7 colours x 2 sizes), none cached on a first visit; all of them after a reload.
    expect(await page.locator('[data-testid=notice]').allTextContents()).toContainEqual(expect.stringMatching(/^Captions read: the sentence encoder turned 70 distinct captions .*the next visit skips this step/));
    await page.reload();
    await waitReady(page);
    expect(await page.locator('[data-testid=notice]').allTextContents()).toContainEqual(expect.stringMatching(/^Captions read: the sentence encoder turned 70 distinct captions .*all ready-made/));
    await page.click('[data-testid=dataset-preview] button >> nth=0');
    await page.waitForSelector('[data-testid=target-neighbour]');
    const weights = async () => (await page.locator('[data-testid=target-neighbour]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-weight')))));
    const sharp = await weights();
    expect(sharp).toHaveLength(8);
    for (let i = 1; i < 8; i++) expect(sharp[i]).toBeLessThanOrEqual(sharp[i - 1]);
    const effective = async () => Number(await page.getAttribute('[data-testid=target-viewer]', 'data-effective'));
    const before = await effective();
    await page.fill('[data-testid=cfg-tauS]', '0.5');
    await expect.poll(effective).toBeGreaterThan(before * 2);
    await page.fill('[data-testid=cfg-tauS]', '0.1');
    await expect.poll(effective).toBeCloseTo(before, 1);

    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=metrics-xsample]');
    const rows = await page.locator('[data-testid=metrics-table] tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^CLIP20/);
    expect(rows[0]).toMatch(/%/);
    expect(Number(await page.getAttribute('[data-testid=metrics-clip]', 'data-knn'))).toBeGreaterThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('takes a caption graph from an embeddings file, and names a mismatch', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=wasm&graph=file');
    await waitReady(page);
    // No file yet: the app says so and uses TF-IDF meanwhile.
    expect(await page.locator('[data-testid=notice]').allTextContents()).toContainEqual(expect.stringMatching(/choose an embeddings file/));
    const dir = writeFolder('emb', {
      'short.json': JSON.stringify({ 'shape-00000': [1, 0] }),
      'good.csv': `file_name,a,b\n${Array.from({ length: 600 }, (_, i) => `shape-${String(i).padStart(5, '0')},${i % 5},${(i % 5) / 2 + 1}`).join('\n')}\n`,
    });
    await page.setInputFiles('[data-testid=graph-file]', `${dir}/short.json`);
    await expect.poll(() => page.locator('[data-testid=errors]').textContent()).toMatch(/short.json has no row for 599 of 600 images/);
    await page.setInputFiles('[data-testid=graph-file]', `${dir}/good.csv`);
    await expect.poll(() => page.textContent('[data-testid=dataset-summary]')).toMatch(/good.csv \(2-d\)/);
    await page.close();
  });
});
