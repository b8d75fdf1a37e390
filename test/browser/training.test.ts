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

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

describe('training in the worker', () => {
  it('trains on WASM for 40 steps: the loss goes down, no long main-thread task, no console error', async () => {
    const { page, consoleErrors, longTasks } = await openApp(
      browser,
      '#data=shapes&backend=wasm&objectives=clip,xsample&steps=40&batch=16&lr=0.003&warmup=5&width=32&depth=1&heads=2&image=16',
    );
    await waitReady(page);
    await expect.poll(() => page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    const before = (await longTasks()).length;
    const t0 = await page.evaluate(() => performance.now());
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 240_000 });
    // Charts redraw one per task after the last tick: wait until the loss chart holds every step.
    await expect.poll(async () => (await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith(' train')).map((t) => t.x.length)).toEqual([40, 40]);
    await expect.poll(async () => (await chartData(page, 'loss-chart')).length).toBe(4);
    const all = await chartData(page, 'loss-chart');
    const traces = all.filter((t) => t.name.endsWith(' train'));
    expect(traces.map((t) => t.name).sort()).toEqual(['CLIP train', 'X-Sample train']);
    // Held-out loss at the end of the run (evaluation every 50 steps and at the last one).
    expect(all.filter((t) => t.name.endsWith(' held-out')).map((t) => t.x)).toEqual([[40], [40]]);
    for (const t of traces) {
      expect(t.x.length).toBe(40);
      t.y.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      expect(mean(t.y.slice(-8))).toBeLessThan(mean(t.y.slice(0, 5)));
    }
    await expect.poll(async () => (await chartData(page, 'scale-chart'))[0]?.y.length).toBe(40);
    const during = (await longTasks()).slice(before).filter((t) => t.start >= t0);
    expect(during.filter((t) => t.duration > 200)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('trains on WebGPU (tiny shapes, 2 steps) and reports that backend and a finite loss', async () => {
    const { page, consoleErrors } = await openApp(
      browser,
      '#data=shapes&backend=webgpu&objectives=clip,xsample&steps=2&batch=4&warmup=0&width=16&depth=1&heads=2&image=8&patch=4',
    );
    await waitReady(page);
    await expect.poll(() => page.getAttribute('[data-testid=backend]', 'data-backend'), { timeout: 30_000 }).toBe('webgpu');
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 240_000 });
    for (const o of ['clip', 'xsample']) {
      const loss = Number(await page.getAttribute(`[data-testid=run-${o}]`, 'data-loss'));
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeGreaterThan(0);
    }
    expect(consoleErrors.filter((e) => !/powerPreference/i.test(e))).toEqual([]);
    await page.close();
  });

  it('moves a run from WebGPU to WASM when the GPU fails mid-run, keeping its steps', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=webgpu&objectives=xsample&steps=4&batch=4&warmup=0&width=16&depth=1&heads=2&image=8&patch=4');
    await waitReady(page);
    await expect.poll(() => page.getAttribute('[data-testid=backend]', 'data-backend'), { timeout: 30_000 }).toBe('webgpu');
    await page.click('[data-testid=step]');
    await expect.poll(() => page.getAttribute('[data-testid=progress]', 'data-step'), { timeout: 120_000 }).toBe('1');
    await page.evaluate(() => (window as unknown as { __playground: { api: { simulateBackendFailure(): Promise<void> } } }).__playground.api.simulateBackendFailure());
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 240_000 });
    expect(await page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    const notice = await page.textContent('[data-testid=notice]');
    expect(notice).toContain('webgpu failed');
    expect(notice).toContain('xsample at step 1');
    await expect.poll(async () => (await chartData(page, 'loss-chart')).find((t) => t.name === 'X-Sample train')?.x).toEqual([1, 2, 3, 4]);
    await page.close();
  });
});
