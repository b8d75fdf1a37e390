import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COLOURS, png, writeFolder } from './fixtures';
import { chartData, launch, waitReady } from './harness';

// Nothing is lost silently: changing the objectives keeps the runs that still apply, anything that would discard a
// run asks first, the last run is offered after a reload, and other data clears the screen of the old runs.
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HASH = '#data=shapes&backend=wasm&objectives=clip&steps=6&batch=8&width=16&depth=1&heads=2&graph=tfidf';

/** Train-loss points per run, by the chart's trace name. */
async function trainLengths(page: Page): Promise<Record<string, number>> {
  return Object.fromEntries((await chartData(page, 'loss-chart')).filter((t) => t.name.endsWith(' train')).map((t) => [t.name, t.x.length]));
}

describe('nothing is lost silently', () => {
  it('keeps the runs that still apply when the objectives change, asks before discarding one, and offers the last run after a reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const dialogs: string[] = [];
    let answer = false;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void (answer ? d.accept() : d.dismiss());
    });
    await page.goto(`${inject('appUrl')}${HASH}`);
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await expect.poll(() => trainLengths(page)).toEqual({ 'CLIP train': 6 });

    // Ticking X-Sample adds a run at step 0 beside CLIP's, which keeps its curve; nothing is asked.
    await page.click('[data-testid=objective-xsample]');
    await page.waitForSelector('[data-testid=run-xsample]');
    expect(await page.textContent('[data-testid=run-xsample]')).toContain('not started');
    expect(await page.getAttribute('[data-testid=run-clip]', 'data-loss')).not.toBe('');
    expect(await page.getAttribute('[data-testid=progress]', 'data-state')).toBe('paused');
    expect(dialogs).toEqual([]);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await expect.poll(() => trainLengths(page)).toEqual({ 'CLIP train': 6, 'X-Sample train': 6 });

    // Unticking CLIP would discard its run: asked first; "no" keeps it.
    await page.click('[data-testid=objective-clip]');
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toMatch(/CLIP at step 6/);
    expect(await page.isChecked('[data-testid=objective-clip]')).toBe(true);
    expect(await page.locator('[data-testid=run-clip]').count()).toBe(1);
    // "Yes" drops CLIP's run only: X-Sample's stays at step 6, curve and all.
    answer = true;
    await page.click('[data-testid=objective-clip]');
    await expect.poll(() => page.locator('[data-testid=run-clip]').count()).toBe(0);
    await expect.poll(() => trainLengths(page)).toEqual({ 'X-Sample train': 6 });
    expect(await page.getAttribute('[data-testid=progress]', 'data-step')).toBe('6');

    // Reset asks too.
    answer = false;
    await page.click('[data-testid=reset]');
    expect(dialogs).toHaveLength(3);
    expect(dialogs[2]).toMatch(/^Reset discards the X-Sample at step 6 run/);
    expect(await page.locator('[data-testid=run-xsample]').count()).toBe(1);

    // After a reload the first screen offers the last run where it stopped.
    await page.reload();
    await waitReady(page);
    await page.waitForSelector('[data-testid=resume-offer]');
    expect(await page.textContent('[data-testid=resume-offer]')).toMatch(/at step 6/);
    await page.click('[data-testid=resume-last]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=progress]', 'data-step'))).toBe(6);
    await expect.poll(() => page.locator('[data-testid=resume-offer]').count()).toBe(0);
    expect((await trainLengths(page))['CLIP train']).toBe(6);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows one dataset at a time: loading other data clears every chip, curve, picture and export button of the old runs', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${inject('appUrl')}${HASH.replace('objectives=clip', 'objectives=clip,xsample')}`);
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=heatmap-xsample]');
    await page.waitForSelector('[data-testid=export-clip]');
    await page.waitForSelector('[data-testid=saved-run]');

    const files: Record<string, Uint8Array | string> = {};
    for (const [i, c] of COLOURS.entries()) {
      files[`${c}.png`] = await png(c, 24, i % 2 ? 'circle' : 'square');
      files[`${c}.txt`] = `a ${c} ${i % 2 ? 'circle' : 'square'}`;
    }
    await page.setInputFiles('[data-testid=folder-input]', writeFolder('my-colours', files));
    await page.waitForFunction(() => document.querySelector('[data-testid=dataset-summary]')?.textContent?.includes('my-colours'), null, { timeout: 60_000 });
    for (const id of ['run-clip', 'run-xsample', 'export-clip', 'export-xsample', 'heatmap-xsample', 'heatmap-clip', 'kl-chart', 'metrics-clip', 'projection-xsample'])
      expect(await page.locator(`[data-testid=${id}]`).count(), id).toBe(0);
    expect(await trainLengths(page)).toEqual({});
    expect(await page.textContent('[data-testid=progress]')).toMatch(/step 0/);
    // The saved comparison stays listed, with the name of the data it trained on.
    expect(await page.textContent('[data-testid=saved-runs]')).toContain('generated shapes');
    await context.close();
  });

  it('says what is happening from the first screen: within 2 s a status line and what the app is, then every phase in words', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    // The page itself notes when the status line and the introduction first appear (ms since navigation began), so
    // the time is the user's, not that of this runner's round trips.
    await page.addInitScript(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __firstSeen: Record<string, number> }).__firstSeen = seen;
      new MutationObserver(() => {
        if (seen.status === undefined && document.querySelector('[data-testid=status] .status-line')) seen.status = performance.now();
        if (seen.intro === undefined && document.querySelector('[data-testid=intro]')) seen.intro = performance.now();
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(`${inject('appUrl')}${HASH}`, { waitUntil: 'commit' });
    await page.waitForSelector('[data-testid=status] .status-line', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=intro]', { timeout: 30_000 });
    const seen = await page.evaluate(() => (window as unknown as { __firstSeen: Record<string, number> }).__firstSeen);
    console.log(`first screen: status line at ${seen.status?.toFixed(0)} ms, introduction at ${seen.intro?.toFixed(0)} ms after navigation`);
    expect(seen.status).toBeLessThan(2000);
    expect(seen.intro).toBeLessThan(2000);
    expect(await page.textContent('[data-testid=status]')).toMatch(/Starting the training worker|Loading|Encoding|Ready/);
    expect(await page.textContent('[data-testid=intro]')).toMatch(/What to do:/);
    await waitReady(page);
    await expect.poll(() => page.textContent('[data-testid=status] .status-line')).toMatch(/^Ready with generated shapes \(600\)\. Press Train/);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    expect(await page.textContent('[data-testid=status] .status-line')).toMatch(/^Done: CLIP trained for 6 steps/);
    expect(await page.locator('[data-testid=intro]').count()).toBe(0); // it has trained: the introduction steps aside
    await context.close();
  });
});
