import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch } from './harness';

// A part of the page that throws while rendering is replaced by a message naming it and the error; the rest of the
// page keeps working, and "Try again" draws the part once its cause is gone. The app's own ErrorBoundary runs in a
// test-only bundle (React and the boundary only) on a blank page of the app's origin.

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'xsp-boundary-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    // JSX through the production runtime, as in the app's build (vitest's NODE_ENV=test would pick the dev one)
    oxc: { jsx: { runtime: 'automatic', development: false } },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: { outDir, emptyOutDir: true, minify: false, lib: { entry: 'test/browser/errorBoundary.entry.ts', formats: ['iife'], name: 'XspBoundary', fileName: () => 'boundary.js' } },
  });
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message.slice(0, 300)));
  const url = `${inject('appUrl')}xsp-boundary-check.html`;
  await page.route(url, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>boundary</title>' }));
  await page.goto(url);
  await page.addScriptTag({ content: readFileSync(join(outDir, 'boundary.js'), 'utf8') });
  await page.evaluate(() => (window as unknown as { __xspBoundary: { mount(): void } }).__xspBoundary.mount());
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('error boundaries', () => {
  it('keep the page when a part throws while drawing, name the part and the error, and draw it again on request', async () => {
    await expect(page.getByTestId('fragile').textContent()).resolves.toBe('drawn: after 0 clicks');
    await page.evaluate(() => ((window as unknown as { broken?: string }).broken = 'index 99 is out of range'));
    await page.getByTestId('counter').click(); // the next render of the fragile part throws
    const alert = page.getByTestId('error-boundary');
    await expect(alert.textContent()).resolves.toMatch(/^Heatmaps could not be shown: RangeError: index 99 is out of range\. The rest of the page still works\./);
    // The sibling part and the page's own controls still work.
    await expect(page.getByTestId('steady').textContent()).resolves.toBe('the loss chart');
    await page.getByTestId('counter').click();
    await expect(page.getByTestId('counter').textContent()).resolves.toBe('clicked 2');
    // Once the cause is gone, "Try again" draws the part with the current state.
    await page.evaluate(() => delete (window as unknown as { broken?: string }).broken);
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByTestId('fragile').textContent()).resolves.toBe('drawn: after 2 clicks');
    expect(await page.getByTestId('error-boundary').count()).toBe(0);
  });
});
