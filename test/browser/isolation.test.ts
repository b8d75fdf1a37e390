import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmThreadsFor } from '../../src/worker/wasmThreads';
import { chartData, launch, openApp, waitReady } from './harness';

// `vite preview` (and `npm start`) send COOP same-origin + COEP require-corp: the page is cross-origin isolated and the
// WASM backend runs tfjs's threaded SIMD build. The same dist/ served without the headers runs on one thread and
// says why. Correctness only: how fast each is goes to `npm run bench`, never here.
let browser: Browser;
let bare: PreviewServer | undefined;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  if (bare) await new Promise<void>((done) => bare!.httpServer.close(() => done()));
});

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const RUN = 'data=shapes&backend=wasm&objectives=clip,xsample&batch=16&lr=0.003&warmup=2&width=32&depth=1&heads=2&image=16';

/** The thread count in the backend's description, "(WebAssembly SIMD, 3 threads)". */
async function threadsShown(page: Page): Promise<number> {
  const text = (await page.textContent('[data-testid=backend]')) ?? '';
  const m = /WebAssembly SIMD, (\d+) threads?\)/.exec(text);
  if (!m) throw new Error(`no WASM thread count in "${text}"`);
  return Number(m[1]);
}

describe('cross-origin isolation and WASM threads', () => {
  it('preview serves an isolated page whose WASM backend trains on several threads, with a finite, falling loss', async () => {
    // threads=2: the automatic count leaves a core to the page, which is 1 thread on a 2-core machine.
    const { page, consoleErrors } = await openApp(browser, `#${RUN}&steps=20&threads=2`);
    await waitReady(page);
    const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(env.isolated).toBe(true);
    await expect.poll(() => page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    const threads = await threadsShown(page);
    expect(threads).toBe(wasmThreadsFor(env.cores, 2));
    expect(threads).toBe(2);
    expect(await page.locator('[data-testid=notice]').allTextContents()).not.toContainEqual(expect.stringMatching(/WASM on 1 thread/));

    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 240_000 });
    await expect.poll(async () => (await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith(' train')).map((t) => t.x.length)).toEqual([20, 20]);
    for (const t of (await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith(' train'))) {
      t.y.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      expect(mean(t.y.slice(-5))).toBeLessThan(mean(t.y.slice(0, 5)));
    }
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('without the two headers the same build trains on 1 thread, with a notice naming them', async () => {
    // Only dist/ and no vite.config.ts: no headers.
    bare = await preview({ configFile: false, root: resolve('.'), logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const address = bare.httpServer.address();
    if (!address || typeof address === 'string') throw new Error('preview server has no port');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`http://127.0.0.1:${address.port}/#${RUN}&steps=3`);
    await waitReady(page);
    const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(env.isolated).toBe(false);
    await expect.poll(() => page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    expect(await threadsShown(page)).toBe(1);
    if (wasmThreadsFor(env.cores) > 1)
      expect(await page.locator('[data-testid=notice]').allTextContents()).toContainEqual(
        expect.stringMatching(/^WASM on 1 thread: .*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/),
      );
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 240_000 });
    for (const o of ['clip', 'xsample']) expect(Number.isFinite(Number(await page.getAttribute(`[data-testid=run-${o}]`, 'data-loss')))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
