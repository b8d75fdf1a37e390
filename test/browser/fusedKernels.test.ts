import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch } from './harness';

// The fused WebGPU kernels (src/core/kernels) against the composite tfjs ops, values and gradients, on the WebGPU
// backend of headless Chromium (SwiftShader). A test-only bundle of the core is built here and injected into a blank
// page of the app's origin (a secure context, so navigator.gpu exists): neither the app nor its worker is touched.

const TOL = 1e-4; // relative to the largest magnitude of the reference

type Check = { value: number; grads: number };
interface FusedApi {
  init(): Promise<{ ok: boolean; backend: string }>;
  checkOps(): Promise<Record<string, Check>>;
  checkAdamW(): Promise<{ weights: number; tensorsLeft: number }>;
  checkModel(objective: string): Promise<Check>;
  kernelsPerStep(objective: string, fused: boolean, model?: Record<string, number>, batchSize?: number): Promise<{ kernels: number; dispatches: number; loss: number; ms: number; byName: Record<string, number>; tensorsBefore: number; tensorsAfter: number }>;
}
declare const window: { __xspFused: FusedApi };

let browser: Browser;
let page: Page;
let started: { ok: boolean; backend: string };

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'xsp-fused-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: 'test/browser/fusedCheck.entry.ts', formats: ['iife'], name: 'XspFusedCheck', fileName: () => 'fused.js' },
    },
  });
  const code = readFileSync(join(outDir, 'fused.js'), 'utf8');
  browser = await launch();
  page = await browser.newPage();
  const url = `${inject('appUrl')}xsp-fused-check.html`;
  await page.route(url, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>fused</title>' }));
  await page.goto(url);
  await page.addScriptTag({ content: code });
  started = await page.evaluate(() => window.__xspFused.init());
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

describe('fused WebGPU kernels', () => {
  it('run on the WebGPU backend', async () => {
    expect(started.backend).toBe('webgpu');
  });

  it('match the composite ops in values and gradients', async () => {
    const r = await page.evaluate(() => window.__xspFused.checkOps());
    console.log('fused ops, max relative error', JSON.stringify(r));
    for (const [name, c] of Object.entries(r)) {
      expect(c.value, `${name} value`).toBeLessThan(TOL);
      expect(c.grads, `${name} gradients`).toBeLessThan(TOL);
    }
  });

  it('AdamW in place matches the composite update over three steps', async () => {
    const r = await page.evaluate(() => window.__xspFused.checkAdamW());
    console.log('AdamW, max relative error', JSON.stringify(r));
    expect(r.weights).toBeLessThan(TOL);
  });

  for (const objective of ['clip', 'xsample']) {
    it(`${objective}: a tiny model's loss and parameter gradients match the composite path`, async () => {
      const r = await page.evaluate((o) => window.__xspFused.checkModel(o), objective);
      console.log(`${objective} model, max relative error`, JSON.stringify(r));
      expect(r.value).toBeLessThan(TOL);
      expect(r.grads).toBeLessThan(TOL);
    });
  }

  it('take fewer kernels per training step and keep the tensor count flat (tiny model)', async () => {
    const model = { imageSize: 8, patchSize: 4, width: 16, depth: 2, heads: 2, projDim: 16, textWidth: 16 };
    for (const objective of ['clip', 'xsample']) {
      const fused = await page.evaluate(([o, m]) => window.__xspFused.kernelsPerStep(o as string, true, m as Record<string, number>, 8), [objective, model] as const);
      const composite = await page.evaluate(([o, m]) => window.__xspFused.kernelsPerStep(o as string, false, m as Record<string, number>, 8), [objective, model] as const);
      console.log(`${objective} kernels/step on webgpu: composite ${composite.kernels}, fused ${fused.kernels}; GPU dispatches/step: composite ${composite.dispatches}, fused ${fused.dispatches}`);
      if (process.env.XSP_KERNELS) console.log(JSON.stringify(Object.entries(fused.byName).sort((a, b) => b[1] - a[1])), (fused as { order?: string }).order);
      expect(Number.isFinite(fused.loss)).toBe(true);
      expect(fused.tensorsAfter, 'tensors after a fused step').toBe(fused.tensorsBefore);
      expect(fused.kernels).toBeLessThan(composite.kernels / 2);
    }
  });
});
