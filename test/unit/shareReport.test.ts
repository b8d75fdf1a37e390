import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/config';
import { placeCharts, REPORT_WIDTH, reportText, wrapText } from '../../src/ui/shareReport';
import { INITIAL_VIEW, reduceEvent } from '../../src/ui/trainingView';
import type { TrainEvent } from '../../src/worker/protocol';

describe('the shared PNG report', () => {
  it('heads the picture with the runs, dataset, step, metrics, every setting and the link', () => {
    const events: TrainEvent[] = [
      { type: 'backend', info: { requested: 'wasm', active: 'wasm', adapter: 'SIMD, 1 thread' } },
      { type: 'dataset', summary: { name: 'shapes', size: 600, trainSize: 480, heldOutSize: 120, imageSize: 32, labels: 5, graph: 'TF-IDF', format: 'generated', heldOutBy: 'seeded 20%' } },
      { type: 'runs', objectives: ['clip', 'xsample'], params: {} },
      { type: 'step', objective: 'clip', report: { step: 1, epoch: 0, loss: 4.25, lr: 1e-3, ms: 5, imagesPerSec: 10, scalars: {} }, memory: { numTensors: 1, numBytes: 1 } },
      { type: 'metrics', objective: 'clip', metrics: { step: 1, heldOutLoss: 4.5, knnTop1: 0.25, linearProbeTop1: 0.5, graphSpearman: 0.125, evaluated: 120 } },
      { type: 'state', state: 'paused', step: 1, totalSteps: 40 },
    ];
    const view = events.reduce(reduceEvent, INITIAL_VIEW);
    const { title, lines } = reportText(view, DEFAULT_SETTINGS, ['clip', 'xsample'], 'http://x/#objectives=clip,xsample', new Date('2026-11-28T21:30:00Z'));
    expect(title).toBe('X-Sample Playground: CLIP vs X-Sample on shapes');
    expect(lines[0]).toBe('Dataset: shapes, 600 images (480 training, 120 held out, seeded 20%), 5 labels; X-Sample graph: TF-IDF');
    expect(lines[1]).toBe('Runs: CLIP at step 1, loss 4.250; X-Sample at step 0 · step 1 of 40 (paused) · backend wasm (SIMD, 1 thread)');
    expect(lines[2]).toBe('CLIP at step 1: held-out loss 4.500 · k-NN 25.0% · linear probe 50.0% · graph ρ 0.125');
    expect(lines[3]).toMatch(/^Settings: objectives=clip,xsample steps=\d+ .*batch=\d+/);
    expect(lines[4]).toBe('Link: http://x/#objectives=clip,xsample');
    expect(lines[5]).toBe('Made 2026-11-28 21:30 UTC; all data stayed in the browser.');
  });

  it('lists a reference run (an imported run beside the live one) after the runs, labelled, with its metrics', () => {
    const events: TrainEvent[] = [
      { type: 'runs', objectives: ['clip'], params: {} },
      { type: 'metrics', objective: 'clip', metrics: { step: 6, heldOutLoss: 1.25, graphSpearman: 0.5, evaluated: 6 } },
      { type: 'reference', objective: 'clip', origin: 'pytorch', step: 8, history: [], metrics: [{ step: 8, heldOutLoss: 0.75, graphSpearman: 0.25, evaluated: 6 }] },
    ];
    const { lines } = reportText(events.reduce(reduceEvent, INITIAL_VIEW), DEFAULT_SETTINGS, ['clip'], 'http://x/', new Date('2026-11-28T21:30:00Z'));
    expect(lines[1]).toBe('CLIP at step 6: held-out loss 1.250 · graph ρ 0.500');
    expect(lines[2]).toBe('CLIP (trained in PyTorch), reference run (dashed), at step 8: held-out loss 0.750 · graph ρ 0.250');
  });

  it('places charts in rows at their own size, scaling down only those wider than the report', () => {
    const { places, bottom } = placeCharts([{ width: 700, height: 300 }, { width: 700, height: 200 }, { width: 400, height: 100 }, { width: 3000, height: 600 }], 100);
    expect(places[0]).toEqual({ x: 16, y: 100, width: 700, height: 300 });
    expect(places[1]).toEqual({ x: 726, y: 100, width: 700, height: 200 });
    expect(places[2]).toEqual({ x: 16, y: 410, width: 400, height: 100 }); // 400 more does not fit beside them
    expect(places[3].width).toBe(REPORT_WIDTH - 32);
    expect(places[3].y).toBe(520);
    expect(bottom).toBe(520 + places[3].height + 16);
    for (const p of places) expect(p.x + p.width).toBeLessThanOrEqual(REPORT_WIDTH - 16);
  });

  it('wraps header lines at spaces, and cuts a word longer than a line', () => {
    const measure = (s: string) => s.length * 10;
    expect(wrapText('aaa bbb ccc dddd', 80, measure)).toEqual(['aaa bbb', 'ccc dddd']);
    expect(wrapText('x'.repeat(25), 100, measure)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});
