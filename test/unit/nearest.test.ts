import { describe, expect, it } from 'vitest';
import { captionTopK, cosineTopK } from '../../src/core/nearest';

describe('nearest neighbours for "Try it"', () => {
  const items = Float32Array.from([1, 0, 0, 2, 1, 1, -1, 0, 0, 0]); // 5 rows of 2: (1,0) (0,2) (1,1) (-1,0) (0,0)

  it('ranks rows by cosine similarity, best first, whatever their length', () => {
    const top = cosineTopK([2, 0], items, 2, 3);
    expect(top.map((s) => s.index)).toEqual([0, 2, 1]);
    expect(top[0].score).toBeCloseTo(1);
    expect(top[1].score).toBeCloseTo(Math.SQRT1_2);
    expect(top[2].score).toBeCloseTo(0);
    expect(cosineTopK([2, 0], items, 2, 10).map((s) => s.index)).toEqual([0, 2, 1, 4, 3]); // a zero row scores 0; ties by index
  });

  it('leaves out the rows it is told to (the query itself) and checks the shapes', () => {
    expect(cosineTopK([1, 0], items, 2, 2, new Set([0])).map((s) => s.index)).toEqual([2, 1]);
    expect(() => cosineTopK([1, 0, 0], items, 2, 1)).toThrow(/3 values/);
    expect(() => cosineTopK([1, 0], items.subarray(0, 3), 2, 1)).toThrow(/not rows of 2/);
    expect(cosineTopK([1, 0], items, 2, 0)).toEqual([]);
  });

  it('finds the captions that share the most telling words with a text', () => {
    const captions = ['a red circle', 'a blue circle', 'a red square', 'the cat'];
    const top = captionTopK('red circle', captions, 3);
    expect(top[0].index).toBe(0); // both words
    expect(top.slice(1).map((s) => s.index).sort()).toEqual([1, 2]); // one word each
    expect(top[0].score).toBeGreaterThan(top[1].score);
    expect(captionTopK('dog', captions, 3)).toEqual([]);
  });
});
