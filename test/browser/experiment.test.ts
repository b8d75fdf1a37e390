import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COLOURS, png, writeFolder } from './fixtures';

describe('npm run experiment', () => {
  it('trains both objectives on a folder and writes every field; k-NN is above chance on learnable labels', async () => {
    // Class folders by colour: 8 classes x 12 images, shapes and sizes varying within a class.
    const files: Record<string, Uint8Array> = {};
    for (const c of COLOURS)
      for (let i = 0; i < 12; i++) files[`${c}/${i}.png`] = await png(c, 20 + (i % 4) * 4, i % 2 ? 'circle' : 'square');
    const dir = writeFolder('colours', files);
    const out = join(dir, '..', 'results.json');
    const r = spawnSync(
      'node',
      ['scripts/experiment.mjs', '--data', dir, '--objectives', 'clip,xsample', '--steps', '40', '--seed', '3', '--backend', 'wasm', '--graph', 'labels', '--batch', '16', '--width', '32', '--depth', '1', '--lr', '0.003', '--eval-every', '20', '--out', out, '--no-build'],
      { encoding: 'utf8', timeout: 400_000 },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/objective\s+steps\s+train loss/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.results.map((x: { objective: string }) => x.objective)).toEqual(['clip', 'xsample']);
    for (const res of json.results) {
      expect(res.steps).toBe(40);
      expect(res.history).toHaveLength(40);
      expect(res.config.seed).toBe(3);
      expect(res.backend.active).toBe('wasm');
      expect(res.stepsPerSec).toBeGreaterThan(0);
      expect(res.dataset.labels).toBe(8);
      expect(res.metrics.map((m: { step: number }) => m.step)).toEqual([20, 40]);
      expect(res.final.knnTop1).toBeGreaterThan(1 / 8 + 0.1);
      expect(res.final.linearProbeTop1).toBeGreaterThan(1 / 8 + 0.1);
      expect(Number.isFinite(res.final.graphSpearman)).toBe(true);
    }
    expect(json.results[0].final.retrieval.imageToText.r10).toBeGreaterThan(0);
    expect(json.results[1].final.retrieval).toBeUndefined();
    expect(json.results[1].dataset.graph).toMatch(/class labels/);
  });
});
