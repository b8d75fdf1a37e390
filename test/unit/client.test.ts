import { describe, expect, it } from 'vitest';
import { commands } from '../../src/worker/client';

interface Api {
  add(a: number, b: number): Promise<number>;
  fail(): Promise<void>;
}

describe('worker commands', () => {
  const api: Api = {
    add: async (a, b) => a + b,
    fail: async () => {
      throw new Error('no');
    },
  };

  it('forwards every API method through `around`, without a list of them, each with a stable identity', async () => {
    let target: Api | undefined;
    const calls: string[] = [];
    const errors: string[] = [];
    const run = commands<Api>(
      () => target,
      async (name, call) => {
        calls.push(name);
        try {
          return await call();
        } catch (err) {
          errors.push(String(err));
          return undefined;
        }
      },
    );
    expect(await run.add(1, 2)).toBeUndefined(); // before the worker is up
    expect(calls).toEqual([]);
    target = api;
    expect(await run.add(1, 2)).toBe(3);
    expect(await run.fail()).toBeUndefined();
    expect(calls).toEqual(['add', 'fail']);
    expect(errors).toEqual(['Error: no']);
    expect(run.add).toBe(run.add);
    expect((run as unknown as { then?: unknown }).then).toBeUndefined(); // not mistaken for a promise
  });
});
