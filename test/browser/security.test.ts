import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, openApp, waitReady } from './harness';

// The headers and the meta CSP of the served build (vite.config.ts, preview), and a whole session under them with no
// Content-Security-Policy violation: load, train, export, import.
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('security headers', () => {
  it('sends a CSP of its own origin only, nosniff and frame-ancestors none, beside COOP/COEP; the page carries a meta CSP', async () => {
    const res = await fetch(inject('appUrl'));
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).not.toMatch(/https?:|\*/); // no remote origin, no wildcard
    expect(csp).not.toMatch(/'unsafe-eval'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const html = await res.text();
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;;/);
    expect(html).not.toMatch(/frame-ancestors/); // ignored (with a console warning) in a meta tag
  });

  it('runs a session (load, train, export, import) without one CSP violation', async () => {
    const { page, consoleErrors, cspViolations } = await openApp(browser, '#data=shapes&backend=wasm&objectives=clip,xsample&steps=6&batch=8&width=16&depth=1&heads=2&graph=tfidf');
    const cspConsole: string[] = [];
    page.on('console', (m) => /Content Security Policy|Content-Security-Policy/i.test(m.text()) && cspConsole.push(m.text()));
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid=export-xsample]')]);
    const zipPath = join(mkdtempSync(join(tmpdir(), 'xsp-csp-')), download.suggestedFilename());
    await download.saveAs(zipPath);
    await page.setInputFiles('[data-testid=import-weights]', zipPath);
    await expect.poll(() => page.locator('[data-testid=notice]').allTextContents(), { timeout: 60_000 }).toContainEqual(expect.stringMatching(/imported xsample weights/));
    expect(await cspViolations()).toEqual([]);
    expect(cspConsole).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('also under the demo set and the sentence encoder (default page), with no violation', async () => {
    const { page, consoleErrors, cspViolations } = await openApp(browser, '#backend=wasm&steps=2&batch=8&width=16&depth=1&heads=2');
    const cspConsole: string[] = [];
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspConsole.push(m.text()));
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 180_000 });
    expect(await cspViolations()).toEqual([]);
    expect(cspConsole).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
