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

// Tiny, on WASM: 2 seeds x 2 objectives x 10 steps, evaluated at steps 5 and 10.
const HASH = '#data=shapes&backend=wasm&objectives=clip,xsample&steps=10&batch=8&warmup=2&width=16&depth=1&heads=2&image=16&patch=4&graph=tfidf&evalEvery=5&seed=3';

describe('repeat with seeds', () => {
  it('trains every objective on 2 seeds, pausable, then shows mean ± sd with intervals, the paired difference in a sentence and loss bands; the run on screen stays', async () => {
    const { page, consoleErrors } = await openApp(browser, HASH);
    await waitReady(page);
    await expect.poll(() => page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    // The session's own runs, one step in: they must survive the repeat.
    await page.click('[data-testid=step]');
    await page.waitForSelector('[data-testid=progress][data-step="1"][data-state=paused]');

    await page.selectOption('[data-testid=seed-count]', '2');
    expect(await page.textContent('[data-testid=repeat-seeds]')).toBe('Repeat with 2 seeds');
    await page.click('[data-testid=repeat-seeds]');
    // Paused as soon as it runs: the status line says where it is.
    await page.click('[data-testid=pause-seeds]');
    await page.waitForSelector('[data-testid=seeds-progress][data-state=paused]');
    const status = await page.textContent('.status-line');
    expect(status).toMatch(/Repeat with 2 seeds paused at seed 1 of 2( · (CLIP|X-Sample) step \d+\/10)?\. Resume goes on from here\./);
    await page.click('[data-testid=resume-seeds]');
    await page.waitForSelector('[data-testid=seeds-progress][data-state=done]', { timeout: 240_000 });
    expect(await page.getAttribute('[data-testid=seeds-progress]', 'data-finished')).toBe('2');

    // The table: mean ± sd and the 95% interval for both objectives, and the paired difference.
    for (const o of ['clip', 'xsample']) {
      const cell = await page.textContent(`[data-testid=seeds-cell-${o}-knnTop1]`);
      expect(cell).toMatch(/^-?\d+\.\d ± \d+\.\d\[−?\d+\.\d, −?\d+\.\d\]$/);
    }
    expect(await page.textContent('[data-testid=seeds-diff-knnTop1]')).toMatch(/^−?\d+\.\d ± \d+\.\d\[−?\d+\.\d, −?\d+\.\d\]$/);
    expect(await page.textContent('[data-testid=seeds-table] thead')).toContain('X-Sample − CLIP');
    const sentences = await page.locator('[data-testid=seeds-sentence]').allTextContents();
    expect(sentences.find((s) => s.startsWith("X-Sample's k-NN top-1 (backbone) is"))).toMatch(
      /(higher|lower) than CLIP's \(95% CI −?\d+\.\d to −?\d+\.\d\): (not )?significant over 2 seeds|about the same as CLIP's/,
    );

    // The loss chart: per objective a band (min and max over the seeds) and the mean, at every step.
    const traces = await chartData(page, 'loss-chart');
    for (const label of ['CLIP', 'X-Sample']) {
      const lo = traces.find((t) => t.name === `${label} train seed min`)!;
      const hi = traces.find((t) => t.name === `${label} train seed max`)!;
      const mean = traces.find((t) => t.name === `${label} train mean over seeds`)!;
      expect(mean.x).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      mean.y.forEach((m, i) => {
        expect(lo.y[i]).toBeLessThanOrEqual(m);
        expect(hi.y[i]).toBeGreaterThanOrEqual(m);
      });
      expect(hi.y.some((v, i) => v > lo.y[i])).toBe(true); // two seeds, two different runs
    }
    expect(await page.textContent('[data-testid=band-note]')).toContain('over 2 seeds (3, 4)');
    const metricBands = await chartData(page, 'seeds-metric-chart');
    expect(metricBands.find((t) => t.name === 'CLIP k-NN top-1 (backbone) mean over seeds')?.x).toEqual([5, 10]);

    // The session's run is where it was.
    expect(await page.getAttribute('[data-testid=progress]', 'data-step')).toBe('1');
    expect((traces.find((t) => t.name === 'CLIP train')?.x)).toEqual([1]);

    // The export of a run carries every seed's final metrics.
    const seedsJson = await page.evaluate(async () => {
      const files = await (window as unknown as { __playground: { api: { exportRun(o: string): Promise<Record<string, Uint8Array>> } } }).__playground.api.exportRun('xsample');
      return JSON.parse(new TextDecoder().decode(files['seeds.json']));
    });
    expect(seedsJson.objective).toBe('xsample');
    expect(seedsJson.seeds.map((s: { seed: number; final: { step: number } }) => [s.seed, s.final.step])).toEqual([[3, 10], [4, 10]]);

    if (process.env.SEEDS_SHOTS) {
      await page.setViewportSize({ width: 1280, height: 2400 });
      await page.screenshot({ path: `${process.env.SEEDS_SHOTS}/seeds-page.png`, fullPage: true });
      await page.locator('[data-testid=seeds-panel]').screenshot({ path: `${process.env.SEEDS_SHOTS}/seeds-panel.png` });
      await page.locator('[data-testid=loss-chart]').screenshot({ path: `${process.env.SEEDS_SHOTS}/loss-bands.png` });
    }
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
