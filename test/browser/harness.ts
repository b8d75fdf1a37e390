import { type Browser, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';
// @ts-expect-error: a plain .mjs script shared with the benchmarks
import { CHROMIUM_FLAGS } from '../../scripts/find-chromium.mjs';

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), args: CHROMIUM_FLAGS as string[], headless: true });
}

export interface OpenedPage {
  page: Page;
  consoleErrors: string[];
  /** Content-Security-Policy violations in the page since it opened (securitypolicyviolation events). */
  cspViolations(): Promise<string[]>;
  /** Long main-thread tasks (ms) since the page opened, from PerformanceObserver('longtask'). */
  longTasks(): Promise<{ start: number; duration: number }[]>;
}

/** Opens the app at the given hash, recording console errors, page errors and long tasks. */
export async function openApp(browser: Browser, hash: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  // The app asks (window.confirm) before an action discards a run that has trained: the tests say yes.
  page.on('dialog', (d) => void d.accept());
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[]; __cspViolations: string[] };
    w.__longTasks = [];
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${inject('appUrl')}${hash}`);
  return {
    page,
    consoleErrors,
    cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
    longTasks: () => page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks),
  };
}

/** Waits until the app has a dataset, a configured run and its charts (Plotly loaded), ready for Start. */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=loss-chart].js-plotly-plot', { timeout: 60_000 });
}

/** The data Plotly holds for a chart: one {name, x, y} per trace. */
export async function chartData(page: Page, testId: string): Promise<{ name: string; x: number[]; y: number[] }[]> {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid=${id}]`) as (HTMLElement & { data?: { name: string; x: number[]; y: number[] }[] }) | null;
    return (el?.data ?? []).map((t) => ({ name: t.name, x: Array.from(t.x), y: Array.from(t.y) }));
  }, testId);
}
