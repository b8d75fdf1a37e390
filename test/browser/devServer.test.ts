import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createLogger, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmThreadsFor } from '../../src/worker/wasmThreads';
import { chartData, launch } from './harness';

// `npm start` serves the sources through Vite's dev server (pre-bundled dependencies, unbundled worker): a different
// module graph from the build, so it gets its own test. It starts from an empty dependency cache, as on a fresh
// clone: a dependency Vite had not pre-bundled (one only a worker imports) would make it re-optimise and reload the
// page in the middle of the session.
let browser: Browser;
let server: ViteDevServer;
let cacheDir: string;
const serverLog: string[] = [];
beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'xsample-vite-cold-'));
  const logger = createLogger('warn');
  const record = (level: string) => (msg: string) => serverLog.push(`${level}: ${msg}`);
  const customLogger = { ...logger, info: record('info'), warn: (m: string) => (record('warn')(m), logger.warn(m)), error: (m: string) => (record('error')(m), logger.error(m)) };
  server = await createServer({ cacheDir, customLogger, server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await server.listen();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

describe('npm start (the dev server)', () => {
  it('on a cold dependency cache: trains in the worker and computes UMAP without ever reloading', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // The dev server sends its own CSP (inline React-refresh script and the HMR WebSocket allowed): no violation.
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${server.resolvedUrls!.local[0]}#data=shapes&backend=wasm&objectives=clip,xsample&steps=4&batch=8&width=16&depth=1&heads=2`, { timeout: 240_000 }); // the first request waits for the cold pre-bundling
    await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 240_000 });
    // The generated shapes (the demo set's decoding is the data tests' job) with the default caption graph, the
    // sentence encoder: the worker imports every dependency it has.
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/generated shapes/);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 180_000 });
    expect(await page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    // Served cross-origin isolated (vite.config.ts): WASM on tfjs's threaded build, from the unminified pre-bundle.
    const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(env.isolated).toBe(true);
    expect(await page.textContent('[data-testid=backend]')).toContain(`WebAssembly SIMD, ${wasmThreadsFor(env.cores)} thread`);

    // The UMAP worker's imports (umap-js) were the second late discovery: its first use must not reload either.
    await page.click('[data-testid=compute-umap]');
    await page.waitForSelector('[data-testid=projection-xsample]', { timeout: 240_000 });
    await expect.poll(async () => (await chartData(page, 'projection-xsample'))[0]?.x.length, { timeout: 240_000 }).toBe(600);
    // The run is still there, at its last step: nothing reloaded the page under it.
    expect(await page.getAttribute('[data-testid=progress]', 'data-step')).toBe('4');
    expect(loads).toBe(1);
    expect(serverLog.filter((l) => /optimized dependencies changed|new dependencies optimized|reloading/i.test(l))).toEqual([]);

    const response = await page.request.get(server.resolvedUrls!.local[0]);
    expect(response.headers()['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(response.headers()['x-content-type-options']).toBe('nosniff');
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
