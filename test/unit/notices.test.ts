import { describe, expect, it } from 'vitest';
import { addNotice, humanNotice } from '../../src/ui/notices';

describe('notices', () => {
  it('replaces an older notice on the same topic, keeps others, at most three, newest last', () => {
    let n: string[] = [];
    n = addNotice(n, 'WebGPU adapter is google swiftshader (software): using WASM');
    n = addNotice(n, 'caption graph: 3174 distinct texts encoded, 0 of them from the cache');
    n = addNotice(n, 'caption graph: 4 distinct texts encoded, 0 of them from the cache');
    expect(n).toEqual(['WebGPU adapter is google swiftshader (software): using WASM', 'caption graph: 4 distinct texts encoded, 0 of them from the cache']);
    n = addNotice(n, 'resumed "run" at step 5');
    n = addNotice(n, 'clip: the heatmap or projection failed at step 5: out of memory');
    expect(n).toEqual(['caption graph: 4 distinct texts encoded, 0 of them from the cache', 'resumed "run" at step 5', 'clip: the heatmap or projection failed at step 5: out of memory']);
    // The same message again moves to the end instead of standing twice.
    expect(addNotice(n, 'resumed "run" at step 5')).toEqual([n[0], n[2], 'resumed "run" at step 5']);
  });

  it('are written for people, not internals; unknown messages pass through', () => {
    expect(humanNotice('caption graph: 3174 distinct texts encoded, 0 of them from the cache')).toBe(
      'Captions read: the sentence encoder turned 3,174 distinct captions into vectors for X-Sample’s similarity graph (they are kept in this browser, so the next visit skips this step).',
    );
    expect(humanNotice('caption graph: 70 distinct texts encoded, 70 of them from the cache')).toMatch(/70 distinct captions .*all ready-made/);
    expect(humanNotice('resumed "mine" at step 12')).toBe('Resumed “mine” where it stopped, at step 12. Press Train to go on.');
    expect(humanNotice('clip: evaluation at step 5 failed: out of memory')).toBe('CLIP: evaluation at step 5 failed: out of memory');
    expect(humanNotice('webgpu failed (lost); continued on wasm')).toBe('webgpu failed (lost); continued on wasm');
  });
});
