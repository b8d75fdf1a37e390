import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartData, launch, openApp, waitReady } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** The z rows Plotly holds for a heatmap. */
function heatmapZ(page: Page, testId: string): Promise<number[][]> {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid=${id}]`) as HTMLElement & { data?: { z: number[][] }[] };
    return (el?.data?.[0]?.z ?? []).map((r) => Array.from(r));
  }, testId);
}

/** The x and y ranges a chart is drawn with. */
function axisRanges(page: Page, testId: string): Promise<{ x: number[]; y: number[] }> {
  return page.evaluate((id) => {
    const gd = document.querySelector(`[data-testid=${id}]`) as HTMLElement & { _fullLayout: { xaxis: { range: number[] }; yaxis: { range: number[] } } };
    return { x: [...gd._fullLayout.xaxis.range], y: [...gd._fullLayout.yaxis.range] };
  }, testId);
}

/** Every trace's y values with the range of the y axis it is drawn on ('y', 'y2', …). */
function traceAxes(page: Page, testId: string): Promise<{ name: string; axis: string; y: number[]; range: number[] }[]> {
  return page.evaluate((id) => {
    const gd = document.querySelector(`[data-testid=${id}]`) as HTMLElement & {
      data: { name: string; y: number[]; yaxis?: string }[];
      _fullLayout: Record<string, { range: number[] }>;
    };
    return gd.data.map((t) => {
      const axis = t.yaxis ?? 'y';
      return { name: t.name, axis, y: Array.from(t.y), range: [...gd._fullLayout[`yaxis${axis.slice(1)}`].range] };
    });
  }, testId);
}

/** Moves the real mouse over point i of a scatter plot (data -> pixel through Plotly's axes). */
async function hoverPoint(page: Page, testId: string, i: number): Promise<void> {
  await page.locator(`[data-testid=${testId}]`).scrollIntoViewIfNeeded();
  const { x, y } = await page.evaluate(
    ([id, k]) => {
      const gd = document.querySelector(`[data-testid=${id}]`) as HTMLElement & {
        data: { x: number[]; y: number[] }[];
        _fullLayout: { xaxis: { _offset: number; d2p(v: number): number }; yaxis: { _offset: number; d2p(v: number): number } };
      };
      const r = gd.getBoundingClientRect();
      const fl = gd._fullLayout;
      return { x: r.left + fl.xaxis._offset + fl.xaxis.d2p(gd.data[0].x[k as number]), y: r.top + fl.yaxis._offset + fl.yaxis.d2p(gd.data[0].y[k as number]) };
    },
    [testId, i] as const,
  );
  await page.mouse.move(x, y);
}

describe('the live panel', () => {
  it('updates every chart while it trains; heatmaps have the probe size; hovering shows captions; search highlights', async () => {
    const { page, consoleErrors } = await openApp(
      browser,
      '#data=shapes&backend=wasm&objectives=clip,xsample&steps=40&batch=16&width=16&depth=1&heads=2&vizEvery=10&evalEvery=20&probe=24&graph=tfidf',
    );
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=heatmap-xsample]', { timeout: 60_000 });
    await expect.poll(async () => (await heatmapZ(page, 'heatmap-xsample')).length).toBe(24);
    const target = await heatmapZ(page, 'heatmap-target');
    expect(target).toHaveLength(24);
    expect(target[0]).toHaveLength(24);
    expect(target[3][3]).toBe(0); // self excluded
    const lossA = await chartData(page, 'loss-chart');
    const heatA = await heatmapZ(page, 'heatmap-xsample');
    const projA = await chartData(page, 'projection-xsample');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await expect.poll(async () => (await chartData(page, 'loss-chart'))[0].x.length).toBe(40);
    expect(lossA[0].x.length).toBeLessThan(40); // read while training: the chart grew since
    await expect.poll(() => heatmapZ(page, 'heatmap-xsample')).not.toEqual(heatA);
    await expect.poll(async () => (await chartData(page, 'projection-xsample'))[0].x).not.toEqual(projA[0].x);
    await expect.poll(async () => (await chartData(page, 'kl-chart')).map((t) => t.x.length)).toEqual([5, 5]); // steps 1, 10, 20, 30, 40
    await expect.poll(async () => (await chartData(page, 'rate-chart'))[0].y.length).toBe(40);
    expect((await chartData(page, 'metrics-chart')).length).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid=heat-note-xsample]')).toMatch(/KL\(s‖p\) = \d/);

    // The charts draw with ranges they computed (no autorange): every point must still be inside them.
    for (const id of ['scale-chart', 'kl-chart', 'projection-clip', 'projection-xsample']) {
      const { x, y } = await axisRanges(page, id);
      const traces = await chartData(page, id);
      expect(traces.length, id).toBeGreaterThan(0);
      const xs = traces.flatMap((t) => t.x);
      const ys = traces.flatMap((t) => t.y);
      expect(Math.min(...xs), `${id} x`).toBeGreaterThanOrEqual(x[0]);
      expect(Math.max(...xs), `${id} x`).toBeLessThanOrEqual(x[1]);
      expect(Math.min(...ys), `${id} y`).toBeGreaterThanOrEqual(y[0]);
      expect(Math.max(...ys), `${id} y`).toBeLessThanOrEqual(y[1]);
    }
    expect((await axisRanges(page, 'loss-chart')).x).toEqual([0, 40]); // the whole run
    // Each objective's loss on its own axis, and every point inside its own axis's range.
    const lossAxes = await traceAxes(page, 'loss-chart');
    expect(Object.fromEntries(lossAxes.map((t) => [t.name, t.axis]))).toEqual({ 'CLIP train': 'y', 'X-Sample train': 'y2', 'CLIP held-out': 'y', 'X-Sample held-out': 'y2' });
    for (const t of lossAxes) {
      expect(Math.min(...t.y), t.name).toBeGreaterThanOrEqual(t.range[0]);
      expect(Math.max(...t.y), t.name).toBeLessThanOrEqual(t.range[1]);
    }
    expect(await page.textContent('[data-testid=loss-note]')).toMatch(/own loss axis/);

    // The legend hides a run from the curves and brings it back.
    const names = async () => (await chartData(page, 'loss-chart')).map((t) => t.name);
    expect(await names()).toContain('X-Sample train');
    await page.click('[data-testid=legend-xsample]');
    await expect.poll(names).not.toContain('X-Sample train');
    expect(await names()).toContain('CLIP train');
    expect(await page.getAttribute('[data-testid=legend-xsample]', 'aria-pressed')).toBe('false');
    await page.click('[data-testid=legend-xsample]');
    await expect.poll(names).toContain('X-Sample train');

    // Hover a point of the projection: the card shows its caption.
    const projection = await chartData(page, 'projection-clip');
    expect(projection[0].x.length).toBe(120); // the held-out split of 600 shapes
    await hoverPoint(page, 'projection-clip', 7);
    await page.waitForSelector('[data-testid=hover-card]');
    expect(await page.textContent('[data-testid=hover-caption]')).toMatch(/^a (large|small) \w+ (circle|square|triangle|cross|ring)$/);
    await page.mouse.move(5, 5);

    await page.fill('[data-testid=projection-search]', 'red');
    const count = Number((await page.textContent('[data-testid=search-count]'))!.split(' ')[0]);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(120);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('computes UMAP off the main thread on demand', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm&objectives=xsample&steps=5&batch=8&width=16&depth=1&heads=2&graph=tfidf');
    await waitReady(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 60_000 });
    await page.click('[data-testid=compute-umap]');
    await page.waitForSelector('[data-testid=projection-xsample]');
    await expect.poll(async () => (await chartData(page, 'projection-xsample'))[0]?.x.length, { timeout: 120_000 }).toBe(600);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('keeps the whole config in the URL hash: a link reproduces it', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=wasm&graph=tfidf');
    await waitReady(page);
    await page.fill('[data-testid=cfg-steps]', '123');
    await page.fill('[data-testid=cfg-tauS]', '0.07');
    await page.fill('[data-testid=cfg-seed]', '42');
    await page.click('[data-testid=objective-simclr]');
    await page.click('[data-testid=objective-clip]');
    const hash = await page.evaluate(() => window.location.hash);
    expect(hash).toContain('steps=123');
    const again = await browser.newPage();
    await again.goto(page.url());
    await waitReady(again);
    expect(await again.inputValue('[data-testid=cfg-steps]')).toBe('123');
    expect(await again.inputValue('[data-testid=cfg-tauS]')).toBe('0.07');
    expect(await again.inputValue('[data-testid=cfg-seed]')).toBe('42');
    expect(await again.isChecked('[data-testid=objective-simclr]')).toBe(true);
    expect(await again.isChecked('[data-testid=objective-clip]')).toBe(false);
    expect(await again.isChecked('[data-testid=objective-xsample]')).toBe(true);
    expect(await again.evaluate(() => window.location.hash)).toBe(hash);
    await again.close();
    await page.close();
  });

  it('says per run which augmentation it trains with and why; "same augmentation for every run" and t from 1/τ live in the URL', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=wasm&graph=tfidf');
    await waitReady(page);
    const recipe = (o: string) => page.locator(`[data-testid=recipe-${o}]`);
    expect(await recipe('clip').getAttribute('data-recipe')).toBe('open_clip');
    expect(await recipe('clip').innerText()).toMatch(/open_clip: crops of 90–100% of the area, no flip, no colour jitter/);
    expect(await recipe('xsample').getAttribute('data-recipe')).toBe('session');
    expect(await recipe('xsample').innerText()).toMatch(/crops of 50–100% of the area, flip 0\.5, colour jitter 0\.2/);
    expect(await page.locator('[data-testid=temperature-note]').innerText()).toMatch(/1\/0\.07 by default/);
    await expect.poll(() => page.locator('[data-testid=measured-claim]').innerText()).toMatch(/^Measured on the demo set over \d+ seeds/);
    await page.click('[data-testid=cfg-sameAugment]');
    await page.click('[data-testid=cfg-clipScaleFromTau]');
    await page.fill('[data-testid=cfg-minCropScale]', '0.3');
    await expect.poll(() => recipe('clip').getAttribute('data-recipe')).toBe('session');
    expect(await recipe('clip').innerText()).toMatch(/crops of 30–100%.*\n?.*same augmentation for every run is on/s);
    const hash = await page.evaluate(() => window.location.hash);
    expect(hash).toMatch(/sameAug=1/);
    expect(hash).toMatch(/tFromTau=1/);
    const again = await browser.newPage();
    await again.goto(page.url());
    await waitReady(again);
    expect(await again.isChecked('[data-testid=cfg-sameAugment]')).toBe(true);
    expect(await again.isChecked('[data-testid=cfg-clipScaleFromTau]')).toBe(true);
    expect(await again.locator('[data-testid=recipe-clip]').getAttribute('data-recipe')).toBe('session');
    await again.close();
    await page.close();
  });

  it('is keyboard reachable: Tab reaches the data inputs, objectives, settings and run controls', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=wasm&graph=tfidf');
    await waitReady(page);
    const seen = new Set<string>();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
      if (id) seen.add(id);
    }
    for (const id of ['load-demo', 'folder-input', 'files-input', 'objective-clip', 'objective-xsample', 'cfg-graph', 'cfg-steps', 'cfg-backend', 'start', 'step', 'reset', 'import-weights'])
      expect([...seen], id).toContain(id);
    // Space on the focused Start button starts training.
    await page.focus('[data-testid=start]');
    await page.keyboard.press('Space');
    await page.waitForSelector('[data-testid=progress][data-state=running]');
    await page.close();
  });
});
