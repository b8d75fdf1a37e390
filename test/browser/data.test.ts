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
    timeout: 60_000,
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

/** Inserts an EXIF APP1 segment with the given orientation right after a JPEG's SOI marker. */
function withExifOrientation(jpegBytes: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = payload.length + 2;
  const app1 = [0xff, 0xe1, len >> 8, len & 0xff, ...payload];
  return Uint8Array.from([...jpegBytes.slice(0, 2), ...app1, ...jpegBytes.slice(2)]);
}

describe('loading while training, cancelling, orientation', () => {
  it('keeps a running training going through a bad load, and applies EXIF orientation', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm&objectives=xsample&steps=100000&batch=8&width=16&depth=1&heads=2');
    await waitReady(page);
    await page.click('[data-testid=start]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=progress]', 'data-step')), { timeout: 60_000 }).toBeGreaterThan(2);
    // A folder with nothing usable: reported, and the run goes on.
    const bad = writeFolder('broken-only', { 'a.png': 'not a png', 'a.txt': 'caption', 'b.jpg': new Uint8Array([0xff, 0xd8, 0xff]), 'b.txt': 'x' });
    await page.setInputFiles('[data-testid=folder-input]', bad);
    await waitLoaded(page, 'broken-only');
    expect((await reportOf(page)).images).toBe(0);
    const step = Number(await page.getAttribute('[data-testid=progress]', 'data-step'));
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=progress]', 'data-step')), { timeout: 60_000 }).toBeGreaterThan(step);
    expect(await page.getAttribute('[data-testid=progress]', 'data-state')).toBe('running');
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/generated shapes/);
    await page.click('[data-testid=pause]');

    // Left half red, right half blue, stored landscape; EXIF orientation 6 turns it to portrait (red on top).
    const plain = await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(40, 20);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#f00';
      ctx.fillRect(0, 0, 20, 20);
      ctx.fillStyle = '#00f';
      ctx.fillRect(20, 0, 20, 20);
      return Array.from(new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer()));
    });
    const rotated = writeFolder('exif', {
      'rotated.jpg': withExifOrientation(Uint8Array.from(plain), 6),
      'rotated.txt': 'turned by its EXIF tag',
      'upright.jpg': Uint8Array.from(plain),
      'upright.txt': 'no EXIF tag',
      // A third image: two would leave a training split of one, which is refused (issue 11).
      'another.jpg': Uint8Array.from(plain),
      'another.txt': 'another one without a tag',
    });
    await page.setInputFiles('[data-testid=folder-input]', rotated);
    await waitLoaded(page, 'exif');
    expect((await reportOf(page)).images).toBe(3);
    const corners = (name: string) =>
      page.evaluate((n) => {
        const c = [...document.querySelectorAll('[data-testid=dataset-preview] canvas')].find((el) => el.getAttribute('title')!.includes(n)) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
        const at = (x: number, y: number) => Array.from(d.data.slice((y * c.width + x) * 4, (y * c.width + x) * 4 + 3));
        const q = Math.floor(c.width / 4);
        return { topLeft: at(q, q), topRight: at(c.width - q, q), bottomLeft: at(q, c.height - q) };
      }, name);
    await page.waitForSelector('[data-testid=dataset-preview] canvas[title*="rotated.jpg"]');
    const r = await corners('rotated.jpg');
    const u = await corners('upright.jpg');
    const red = (p: number[]) => p[0] > 150 && p[2] < 100;
    const blue = (p: number[]) => p[2] > 150 && p[0] < 100;
    expect(red(u.topLeft) && blue(u.topRight)).toBe(true);
    expect(red(r.topLeft) && red(r.topRight) && blue(r.bottomLeft)).toBe(true);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('cancels a load: the report says so and the previous dataset stays', async () => {
    const { page } = await openApp(browser, '#data=shapes&backend=wasm');
    await waitReady(page);
    const tile = await png('red', 16);
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3000; i++) files[`${i % 2 ? 'a' : 'b'}/${i}.png`] = tile;
    await page.setInputFiles('[data-testid=folder-input]', writeFolder('to-cancel', files));
    await page.waitForSelector('[data-testid=cancel-load]');
    await page.click('[data-testid=cancel-load]');
    await waitLoaded(page, 'to-cancel');
    expect(await page.textContent('[data-testid=load-report]')).toContain('load cancelled');
    expect(await page.textContent('[data-testid=dataset-summary]')).toMatch(/generated shapes/);
    await page.close();
  });
});

describe('drag and drop', () => {
  it('loads files dropped on the page', async () => {
    const { page, consoleErrors } = await openApp(browser, '#data=shapes&backend=wasm');
    await waitReady(page);
    const images = await Promise.all(['red', 'blue', 'green'].map((c) => png(c)));
    await page.evaluate(async (pngs) => {
      const dt = new DataTransfer();
      ['red', 'blue', 'green'].forEach((c, i) => {
        dt.items.add(new File([new Uint8Array(pngs[i])], `${c}.png`, { type: 'image/png' }));
        dt.items.add(new File([`a ${c} dot`], `${c}.txt`, { type: 'text/plain' }));
      });
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, images.map((b) => Array.from(b)));
    await waitLoaded(page, '6 files');
    const r = await reportOf(page);
    expect(r.format).toBe('sidecar');
    expect(r.images).toBe(3);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
