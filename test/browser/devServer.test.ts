import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmThreadsFor } from '../../src/worker/wasmThreads';
import { launch } from './harness';

// `npm start` serves the sources through Vite's dev server (pre-bundled dependencies, unbundled worker): a different
// module graph from the build, so it gets its own test.
let browser: Browser;
let server: ViteDevServer;
beforeAll(async () => {
  server = await createServer({ server: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
  await server.listen();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('npm start (the dev server)', () => {
  it('opens with the demo set and trains in the worker', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // The dev server sends its own CSP (inline React-refresh script and the HMR WebSocket allowed): no violation.
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
    await page.goto(`${server.resolvedUrls!.local[0]}#backend=wasm&objectives=clip,xsample&batch=8&width=16&depth=1&heads=2`);
    await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 180_000 });
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/Fluent Emoji \(flat\) demo: 2539 training and 635 held-out/);
    await page.click('[data-testid=start]');
    await page.waitForFunction(() => Number((document.querySelector('[data-testid=progress]') as HTMLElement).dataset.step) >= 3, null, { timeout: 120_000 });
    expect(await page.getAttribute('[data-testid=backend]', 'data-backend')).toBe('wasm');
    // Served cross-origin isolated (vite.config.ts): WASM on tfjs's threaded build, from the unminified pre-bundle.
    const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(env.isolated).toBe(true);
    expect(await page.textContent('[data-testid=backend]')).toContain(`WebAssembly SIMD, ${wasmThreadsFor(env.cores)} thread`);
    const response = await page.request.get(server.resolvedUrls!.local[0]);
    expect(response.headers()['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(response.headers()['x-content-type-options']).toBe('nosniff');
    expect(errors).toEqual([]);
    await page.close();
  });
});
