import { describe, expect, it } from 'vitest';
import { labelGraph, softmaxRow, targetNeighbours } from '../../src/core/captionGraph';
import type { ImageSet } from '../../src/core/dataset';

function labelledSet(labels: Int32Array): ImageSet {
  const n = labels.length;
  return { name: 'big', imageSize: 1, pixels: new Uint8Array(n * 3), ids: Array.from({ length: n }, (_, i) => `s${i}`), captions: Array.from({ length: n }, (_, i) => `c${i}`), labels };
}

describe('caption graph maths (core)', () => {
  it('softmaxRow leaves out the skipped entry and sums to 1', () => {
    const p = softmaxRow([1, 2, 3], 2, 1);
    expect(p[1]).toBe(0);
    expect(p[0] + p[2]).toBeCloseTo(1, 12);
    expect(p[2] / p[0]).toBeCloseTo(Math.exp(4), 9);
  });

  it('targetNeighbours: the same class first, uniform within it; entropy and effective neighbours agree', () => {
    const labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const t = targetNeighbours(labelledSet(labels), labelGraph(labels), Int32Array.from({ length: 12 }, (_, i) => i), 0, 0.01, 3)!;
    expect(t.neighbours.map((x) => x.index).sort((a, b) => a - b)).toEqual([3, 6, 9]);
    for (const x of t.neighbours) expect(x.weight).toBeCloseTo(1 / 3, 6);
    expect(t.effectiveNeighbours).toBeCloseTo(3, 3);
    expect(Math.exp(t.entropy)).toBeCloseTo(t.effectiveNeighbours, 9);
  });

  it('handles a training pool larger than a spread of arguments allows', () => {
    const n = 300_000;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 1000);
    const t = targetNeighbours(labelledSet(labels), labelGraph(labels), Int32Array.from({ length: n }, (_, i) => i), 5, 0.1, 2)!;
    expect(t.neighbours).toHaveLength(2);
    expect(t.neighbours.every((x) => x.index % 1000 === 5)).toBe(true);
    expect(Number.isFinite(t.entropy)).toBe(true);
  });
});
