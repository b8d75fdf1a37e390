// The README's screenshot: the built app at 1366×768 after a short comparison on the demo set (CLIP and X-Sample,
// WASM, a tiny model, so it takes about a minute), written to bench/screenshots/ (beside the other records of the
// app as it runs; not in public/, which would ship it). `node scripts/screenshot.mjs [--no-build] [--size 1920x1080]`.
import { mkdirSync } from 'node:fs';
import { startBuiltApp } from './builtApp.mjs';

const args = process.argv.slice(2);
const sizeArg = args.includes('--size') ? args[args.indexOf('--size') + 1] : '1366x768';
const [width, height] = sizeArg.split('x').map(Number);
if (!(width > 0 && height > 0)) throw new Error(`--size must be WIDTHxHEIGHT, e.g. 1366x768 (got ${sizeArg})`);
const HASH = '#objectives=clip,xsample&backend=wasm&steps=30&batch=16&width=16&depth=1&heads=2&evalEvery=15&vizEvery=10';

const app = await startBuiltApp({ build: !args.includes('--no-build') });
try {
  const page = await app.browser.newPage({ viewport: { width, height } });
  await page.goto(app.appUrl(HASH));
  await page.waitForSelector('[data-testid=start]:not([disabled])', { timeout: 120_000 });
  await page.click('[data-testid=start]');
  await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 600_000 });
  await page.waitForTimeout(2000); // the last pictures' redraws
  mkdirSync('bench/screenshots', { recursive: true });
  const path = `bench/screenshots/demo-${width}x${height}-trained.png`;
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
} finally {
  await app.close();
}
