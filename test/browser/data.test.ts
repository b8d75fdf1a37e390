import { zipSync, strToU8 } from 'fflate';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLOURS, png, pngHeader, writeFolder } from './fixtures';
import { launch, openApp, waitReady } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function reportOf(page: Page) {
  const el = page.locator('[data-testid=load-report]');
  return {
    images: Number(await el.getAttribute('data-images')),
    skipped: Number(await el.getAttribute('data-skipped')),
    format: await el.getAttribute('data-format'),
    entries: await page.locator('[data-testid=report-entries] li').allTextContents(),
  };
}

/** Waits for a load that was started to finish (the progress bar goes away and the report names `source`). */
async function waitLoaded(page: Page, source: string) {
  await page.waitForFunction((s) => document.querySelector('[data-testid=load-report]')?.textContent?.startsWith(s) && !document.querySelector('[data-testid=load-progress]'), source, {
    timeout: 240_000,
  });
}

async function jpeg(page: Page, colour: string): Promise<Uint8Array> {
  const bytes = await page.evaluate(async (c) => {
    const canvas = new OffscreenCanvas(40, 30);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 40, 30);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }, colour);
  return Uint8Array.from(bytes);
}

describe('bring your own data', () => {
  it('opens with the demo set: 3,174 emoji with captions and category labels', async () => {
    const { page, consoleErrors } = await openApp(browser, '#backend=wasm');
    await waitReady(page);
    const r = await reportOf(page);
    expect(r.format).toBe('imagefolder-metadata');
    expect(r.images).toBe(3174);
    expect(r.skipped).toBe(0);
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/Fluent Emoji.*10 labels/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('loads a folder through the real <input>, reports every bad file, and trains on what loaded', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm&objectives=clip,xsample&steps=5&batch=4&width=16&depth=1&heads=2');
    await waitReady(page);
    const files: Record<string, Uint8Array | string> = {};
    for (const [i, c] of COLOURS.slice(0, 6).entries()) {
      files[`img${i}.png`] = await png(c, 24, i % 2 ? 'circle' : 'square');
      files[`img${i}.txt`] = `a ${c} ${i % 2 ? 'circle' : 'square'}, «quoted» 日本`;
    }
    const good = await jpeg(page, 'teal');
    files['photo.jpg'] = good;
    files['photo.txt'] = 'a teal photo';
    files['truncated.jpg'] = good.slice(0, Math.floor(good.length / 3));
    files['truncated.txt'] = 'half a jpeg';
    files['renamed.png'] = 'this is a text file, not a PNG';
    files['renamed.txt'] = 'text renamed png';
    files['empty.png'] = await png('pink');
    files['empty.txt'] = '  \n';
    files['nocaption.png'] = await png('brown');
    files['huge.png'] = pngHeader(10000, 10000);
    files['huge.txt'] = 'a huge image';
    files['notes.md'] = '# not data';
    const dir = writeFolder('my-photos', files);
    await page.setInputFiles('[data-testid=folder-input]', dir);
    await waitLoaded(page, 'my-photos');
    const r = await reportOf(page);
    expect(r.format).toBe('sidecar');
    expect(r.images).toBe(7);
    const has = (path: string, text: RegExp) => expect(r.entries.some((e) => e.startsWith(`${path}:`) && text.test(e)), `${path} ${text}`).toBe(true);
    has('truncated.jpg', /cannot be decoded/);
    has('renamed.png', /cannot be decoded/);
    has('empty.png', /empty caption in empty.txt/);
    has('nocaption.png', /no caption/);
    has('huge.png', /10000×10000 .*over the 50 MP cap: skipped/);
    has('notes.md', /not an image/);
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/my-photos/);
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
    expect(Number(await page.getAttribute('[data-testid=run-xsample]', 'data-loss'))).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('loads a zip with a CSV, and lets the user pick the columns of a CSV with an unknown header', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=wasm');
    await waitReady(page);
    const entries: Record<string, Uint8Array> = {};
    for (const c of COLOURS) entries[`pics/${c}.png`] = await png(c);
    const rows = COLOURS.map((c) => `pics/${c}.png,"a ${c} dot, ""round"""`).join('\r\n');
    const dir = writeFolder('zips', {});
    const good = join(dir, 'good.zip');
    writeFileSync(good, zipSync({ ...entries, 'pairs.csv': strToU8(`\ufefffilepath,title\r\n${rows}\r\npics/missing.png,gone\r\n`) }));
    await page.setInputFiles('[data-testid=files-input]', good);
    await waitLoaded(page, 'good.zip');
    let r = await reportOf(page);
    expect(r.format).toBe('csv');
    expect(r.images).toBe(8);
    expect(r.entries.some((e) => /pairs.csv:10: image pics\/missing.png does not exist/.test(e))).toBe(true);

    const odd = join(dir, 'odd.zip');
    writeFileSync(odd, zipSync({ ...entries, 'pairs.csv': strToU8(`picture,words\n${COLOURS.map((c) => `pics/${c}.png,${c}`).join('\n')}\n`) }));
    await page.setInputFiles('[data-testid=files-input]', odd);
    await waitLoaded(page, 'odd.zip');
    r = await reportOf(page);
    expect(r.images).toBe(0);
    expect(r.entries.some((e) => /header has no an image-path column.*it is: picture, words/.test(e))).toBe(true);
    // The previous dataset is kept.
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/good.zip/);
    await page.selectOption('[data-testid=pick-path]', 'picture');
    await page.selectOption('[data-testid=pick-caption]', 'words');
    await page.click('[data-testid=apply-columns]');
    await waitLoaded(page, 'odd.zip');
    r = await reportOf(page);
    expect(r.images).toBe(8);
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/odd.zip/);
    await page.close();
  });

  it('loads a generated folder of 5,000 images in class folders without error', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm');
    await waitReady(page);
    const files: Record<string, Uint8Array> = {};
    const tiles = await Promise.all(COLOURS.map((c) => png(c, 16)));
    for (let i = 0; i < 5000; i++) files[`${COLOURS[i % 8]}/${String(i).padStart(4, '0')}.png`] = tiles[i % 8];
    const dir = writeFolder('five-thousand', files);
    await page.setInputFiles('[data-testid=folder-input]', dir);
    await waitLoaded(page, 'five-thousand');
    const r = await reportOf(page);
    expect(r.format).toBe('class-folders');
    expect(r.images).toBe(5000);
    expect(r.skipped).toBe(0);
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/8 labels/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
