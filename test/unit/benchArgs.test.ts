import { describe, expect, it } from 'vitest';
import { DEFAULT_DAWN_OPTIONS, parseNodeBenchArgs } from '../../bench/args';
import { topKernels } from '../../bench/kernels';

describe('Node bench flags (npm run bench:gpu)', () => {
  it('defaults to the browser bench config on webgpu and wasm', () => {
    const a = parseNodeBenchArgs([]);
    expect(a).toMatchObject({ batch: 32, width: 64, depth: 2, heads: 4, image: 32, patch: 4, textWidth: 64, steps: 10, top: 10 });
    expect(a.objectives).toEqual(['clip', 'xsample']);
    expect(a.backends).toEqual(['webgpu', 'wasm']);
    expect(a.dawn).toEqual(DEFAULT_DAWN_OPTIONS);
    expect(a.submitBatch).toBeUndefined(); // tfjs's own WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE
    expect(parseNodeBenchArgs(['--submit-batch', '64']).submitBatch).toBe(64);
  });

  it('reads shapes, lists and Dawn options', () => {
    const a = parseNodeBenchArgs(['--batch', '256', '--width', '192', '--heads', '6', '--text-width', '192', '--objectives', 'xsample', '--backends', 'wasm', '--json', 'out.json', '--dawn', 'backend=vulkan; enable-dawn-features=a,b']);
    expect(a).toMatchObject({ batch: 256, width: 192, heads: 6, textWidth: 192, json: 'out.json' });
    expect(a.objectives).toEqual(['xsample']);
    expect(a.backends).toEqual(['wasm']);
    expect(a.dawn).toEqual(['backend=vulkan', 'enable-dawn-features=a,b']);
  });

  it('says what is wrong with a flag', () => {
    expect(() => parseNodeBenchArgs(['--batch', '0'])).toThrow(/--batch/);
    expect(() => parseNodeBenchArgs(['--backends', 'webgl'])).toThrow(/unknown webgl/);
    expect(() => parseNodeBenchArgs(['--image', '30', '--patch', '4'])).toThrow(/multiple of --patch/);
    expect(() => parseNodeBenchArgs(['--heads', '6'])).toThrow(/--width 64 is not a multiple of --heads 6/);
    expect(() => parseNodeBenchArgs(['--width', '192', '--heads', '6'])).toThrow(/--text-width 64/);
    expect(() => parseNodeBenchArgs(['--submit-batch', '0'])).toThrow(/--submit-batch/);
    expect(() => parseNodeBenchArgs(['--bogus'])).toThrow();
  });
});

describe('kernel totals of a profiled step', () => {
  const kernels = [
    { name: 'BatchMatMul', kernelTimeMs: 3 },
    { name: 'Add', kernelTimeMs: 0.5 },
    { name: 'BatchMatMul', kernelTimeMs: 2 },
    { name: 'Add', kernelTimeMs: 0.25 },
    { name: 'Exp', kernelTimeMs: 1 },
  ];

  it('sums by name, largest total first, cut to the top N', () => {
    expect(topKernels(kernels, true, 2)).toEqual([
      { name: 'BatchMatMul', calls: 2, ms: 5 },
      { name: 'Exp', calls: 1, ms: 1 },
    ]);
  });

  it('gives no time where the backend cannot time kernels or a time is not a number', () => {
    expect(topKernels(kernels, false, 10).every((k) => k.ms === null)).toBe(true);
    const withError = [...kernels, { name: 'Exp', kernelTimeMs: { error: 'no timer' } }];
    const top = topKernels(withError, true, 10);
    expect(top.find((k) => k.name === 'Exp')).toEqual({ name: 'Exp', calls: 2, ms: null });
    expect(top[0]).toEqual({ name: 'BatchMatMul', calls: 2, ms: 5 });
  });
});
