import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COLOURS, png, writeFolder } from './fixtures';
import { launch, waitReady } from './harness';

// A newcomer's first minutes on the demo set: the status line names each phase (evaluating too), the linear probe
// shows its confusion matrix per run, one click saves a PNG of the picture and another copies a link that opens the
// same settings, and the page fits 1366×768 and 1920×1080 before and after training.
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const TINY = 'backend=wasm&steps=6&batch=16&width=16&depth=1&heads=2&evalEvery=3&vizEvery=3';

/** What does not fit: elements past the right edge of the viewport, and run controls that wrap. */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width} px`);
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 0.5) problems.push(`${el.tagName.toLowerCase()}[data-testid=${el.dataset.testid ?? ''}].${String(el.className)} ends at ${r.right.toFixed(0)} px`);
    }
    const controls = [...document.querySelectorAll<HTMLElement>(".controls[role=toolbar] > *")].map((e) => e.getBoundingClientRect());
    const rowBottom = Math.min(...controls.map((r) => r.bottom));
    if (controls.some((r) => r.top >= rowBottom)) problems.push('the run controls wrap onto a second row');
    const buttons = [...document.querySelectorAll<HTMLElement>(".controls[role=toolbar] button")].map((b) => `${b.textContent}: ${b.getBoundingClientRect().height.toFixed(0)}`);
    if (new Set(buttons.map((b) => b.split(': ')[1])).size > 1) problems.push(`a run-control button's text wraps (heights ${buttons.join(', ')})`);
    return problems.slice(0, 10);
  });
}

/** Every value the status line's data-phase takes from now on. */
async function recordPhases(page: Page): Promise<() => Promise<{ phases: string[]; evaluating: string[] }>> {
  await page.evaluate(() => {
    const w = window as unknown as { __phases: string[]; __evaluating: string[] };
    w.__phases = [];
    w.__evaluating = [];
    const status = document.querySelector('[data-testid=status]')!;
    new MutationObserver(() => {
      const phase = status.getAttribute('data-phase') ?? '';
      if (w.__phases.at(-1) !== phase) w.__phases.push(phase);
      if (phase === 'evaluating') w.__evaluating.push(status.querySelector('.status-line')?.textContent ?? '');
    }).observe(status, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  return () => page.evaluate(() => ({ phases: (window as unknown as { __phases: string[] }).__phases, evaluating: (window as unknown as { __evaluating: string[] }).__evaluating }));
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

describe("a newcomer's first minutes", () => {
  it('demo set: phases named, confusion matrices, a PNG of the picture, a link that round-trips, a page that fits', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(inject('appUrl')).origin });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Content-Security-Policy violations (the report loads chart images from data: URLs) count as errors too.
    await page.exposeFunction('__cspViolation', (v: string) => errors.push(`CSP: ${v}`));
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`)),
    );
    await page.goto(`${inject('appUrl')}#objectives=clip,xsample&${TINY}`);
    await waitReady(page);
    expect(await page.getAttribute('[data-testid=status]', 'data-phase')).toBe('ready');
    expect(await layoutProblems(page)).toEqual([]);
    // Before any picture the centre takes the right column's room: no empty third.
    expect(await page.getAttribute('main', 'class')).toContain('no-pictures');

    const phases = await recordPhases(page);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 240_000 });
    await expect.poll(async () => (await phases()).phases.at(-1)).toBe('done');
    const seen = await phases();
    expect(seen.phases).toContain('training');
    expect(seen.phases).toContain('evaluating');
    expect(seen.evaluating.some((t) => /^Evaluating (CLIP|X-Sample) at step [36] on the held-out images/.test(t))).toBe(true);

    // The probe's confusion matrix per run: the demo set's 10 categories, counts over the evaluated held-out images.
    for (const o of ['clip', 'xsample']) {
      await page.waitForSelector(`[data-testid=confusion-${o}].js-plotly-plot`, { timeout: 60_000 });
      const m = await page.evaluate((id) => {
        const gd = document.querySelector(`[data-testid=${id}]`) as HTMLElement & { data: { z: (number | null)[][]; text: string[][]; y: string[]; x: string[] }[] };
        return { z: gd.data[0].z, counts: gd.data[0].text.map((r) => r.map(Number)), y: gd.data[0].y, x: gd.data[0].x };
      }, `confusion-${o}`);
      expect(m.x).toHaveLength(10);
      expect(m.y).toHaveLength(10);
      expect(m.x).toContain('Animals & Nature');
      expect(m.y.every((label) => / · (\d+%|–)$/.test(label))).toBe(true);
      expect(m.counts.flat().reduce((a, b) => a + b, 0)).toBe(635); // every held-out image once
      m.z.forEach((row, i) => {
        const total = m.counts[i].reduce((a, b) => a + b, 0);
        if (total > 0) expect(row.reduce((a: number, b) => a + (b ?? 0), 0)).toBeCloseTo(1, 6); // row-normalised
      });
    }
    expect(await page.locator('[data-testid=confusion-absent]').count()).toBe(0);
    expect(await page.getAttribute('main', 'class')).not.toContain('no-pictures');
    expect(await layoutProblems(page)).toEqual([]);
    await page.setViewportSize({ width: 1920, height: 1080 });
    expect(await layoutProblems(page)).toEqual([]);

    // One click: one PNG of every chart under its header; it downloads, decodes and has the size the page reports.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('[data-testid=share-png]')]);
    expect(download.suggestedFilename()).toBe('xsample-playground-report-step6.png');
    const bytes = new Uint8Array(readFileSync((await download.path())!));
    const size = pngSize(bytes);
    expect(size.width).toBe(1600);
    await page.waitForSelector('[data-testid=share-said][data-size]');
    expect(await page.getAttribute('[data-testid=share-said]', 'data-size')).toBe(`${size.width}x${size.height}`);
    expect(size.height).toBeGreaterThan(1000); // a header and a dozen charts
    const decoded = await page.evaluate(async (b64) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      return [bitmap.width, bitmap.height];
    }, Buffer.from(bytes).toString('base64'));
    expect(decoded).toEqual([size.width, size.height]);

    // The other click: the link of these settings; opened, it gives the same settings and objectives.
    await page.click('[data-testid=copy-link]');
    await page.waitForSelector('[data-testid=share-said]:has-text("link copied")');
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toBe(await page.getAttribute('[data-testid=copy-link]', 'data-link'));
    expect(link).toMatch(/#objectives=clip%2Cxsample&.*steps=6/);
    const again = await context.newPage();
    await again.goto(link);
    await waitReady(again);
    expect(await again.inputValue('[data-testid=cfg-steps]')).toBe('6');
    expect(await again.inputValue('[data-testid=cfg-evalEvery]')).toBe('3');
    expect(await again.inputValue('[data-testid=cfg-width]')).toBe('16');
    expect(await again.isChecked('[data-testid=objective-clip]')).toBe(true);
    expect(await again.isChecked('[data-testid=objective-xsample]')).toBe(true);
    expect(new URL(link).hash).toBe(new URL(again.url()).hash);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('caption-only data: no confusion matrix, and the reason', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(`${inject('appUrl')}#data=shapes&objectives=xsample&graph=tfidf&${TINY}`);
    await waitReady(page);
    const files: Record<string, Uint8Array | string> = {};
    for (let i = 0; i < 12; i++) {
      const c = COLOURS[i % COLOURS.length];
      files[`img${i}.png`] = await png(c, 24, i % 2 ? 'circle' : 'square');
      files[`img${i}.txt`] = `a ${c} ${i % 2 ? 'circle' : 'square'}`;
    }
    await page.setInputFiles('[data-testid=folder-input]', writeFolder('captions-only', files));
    await page.waitForFunction(() => document.querySelector('[data-testid=dataset-name]')?.textContent?.includes('captions-only'), null, { timeout: 60_000 });
    await page.waitForSelector('[data-testid=start]:not([disabled])');
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=confusion-absent]');
    expect(await page.textContent('[data-testid=confusion-absent]')).toMatch(/^No per-class accuracy: this dataset has captions but no labels/);
    expect(await page.locator('[data-testid=confusion-xsample]').count()).toBe(0);
    expect(await layoutProblems(page)).toEqual([]);
    await context.close();
  });
});

describe('a folder opened with the directory picker, after a reload', () => {
  // Headless Chromium shows no picker: showDirectoryPicker is replaced by one that returns a real directory handle
  // of the origin-private file system (cloneable into IndexedDB like a picked folder's). What cannot be tested here is
  // the browser's own permission prompt: an OPFS handle is always readable, so queryPermission says 'granted'.
  it('is offered again by the resume offer, read without a new pick, and the run resumes on it', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) {
      const c = COLOURS[i % COLOURS.length];
      files[`img${i}.png`] = Buffer.from(await png(c, 24, i % 2 ? 'circle' : 'square')).toString('base64');
      files[`img${i}.txt`] = Buffer.from(`a ${c} ${i % 2 ? 'circle' : 'square'}`).toString('base64');
    }
    await page.addInitScript(() => {
      const w = window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle>; __picks: number };
      w.__picks = 0;
      w.showDirectoryPicker = async () => {
        w.__picks += 1;
        return (await navigator.storage.getDirectory()).getDirectoryHandle('picked-photos');
      };
    });
    await page.goto(`${inject('appUrl')}#data=shapes&objectives=clip&graph=tfidf&${TINY.replace('steps=6', 'steps=4')}`);
    await waitReady(page);
    await page.evaluate(async (all) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-photos', { create: true });
      for (const [name, b64] of Object.entries(all)) {
        const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
        await writable.write(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
        await writable.close();
      }
    }, files);
    await page.click('[data-testid=open-folder]');
    await page.waitForFunction(() => document.querySelector('[data-testid=dataset-name]')?.textContent?.includes('picked-photos · 12 images'), null, { timeout: 60_000 });
    await page.waitForSelector('[data-testid=start]:not([disabled])');
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=saved-run]');

    // Reload: the page opens with the shapes (its link says so); the offer names the folder and reopens it.
    await page.reload();
    await page.waitForSelector('[data-testid=resume-reopen]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=resume-reopen]')).toBe('Reopen the folder “picked-photos” and resume at step 4');
    await page.click('[data-testid=resume-reopen]');
    await page.waitForFunction(() => document.querySelector('[data-testid=dataset-name]')?.textContent?.includes('picked-photos · 12 images'), null, { timeout: 60_000 });
    await page.waitForSelector('[data-testid=run-clip]', { timeout: 60_000 });
    await expect.poll(() => page.getAttribute('[data-testid=progress]', 'data-step')).toBe('4');
    expect(await page.getAttribute('[data-testid=run-clip]', 'data-loss')).not.toBe('');
    expect(await page.evaluate(() => (window as unknown as { __picks: number }).__picks)).toBe(0); // this page never opened the picker
    expect(errors).toEqual([]);
    await context.close();
  });
});
