import { describe, expect, it } from 'vitest';
import { isolationNotice, wasmThreadsFor } from '../../src/worker/wasmThreads';

describe('WASM thread count', () => {
  it('leaves one core to the page (so 1 thread on 2 cores) and stays within the pool of 8', () => {
    expect([1, 2, 3, 4, 6, 8, 9, 12, 64].map((c) => wasmThreadsFor(c))).toEqual([1, 1, 2, 3, 5, 7, 8, 8, 8]);
  });
  it('reads an unknown or odd core count as 1', () => {
    expect([0, -3, NaN, Infinity, 2.7].map((c) => wasmThreadsFor(c))).toEqual([1, 1, 1, 1, 1]);
  });
  it('takes the threads setting (1 to 8) over the automatic count; 0 is automatic', () => {
    expect(wasmThreadsFor(2, 2)).toBe(2);
    expect(wasmThreadsFor(16, 3)).toBe(3);
    expect(wasmThreadsFor(4, 0)).toBe(3);
    expect(wasmThreadsFor(4, 12)).toBe(8);
  });
  it('says, without isolation, which two headers give how many threads', () => {
    const n = isolationNotice(3);
    expect(n).toMatch(/^WASM on 1 thread: /);
    expect(n).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(n).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(n).toContain('3 threads');
  });
});
