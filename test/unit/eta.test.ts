import { describe, expect, it } from 'vitest';
import { EtaEstimator, formatEta, roundEta } from '../../src/ui/eta';

describe('the time-left estimate', () => {
  it('says nothing until it has measured a few seconds, then the remaining work over the measured rate', () => {
    const eta = new EtaEstimator(30_000, 3_000);
    eta.add(0, 0);
    eta.add(1000, 10);
    expect(eta.secondsLeft(1000)).toBeUndefined();
    for (let t = 2000; t <= 10_000; t += 1000) eta.add(t, t / 100);
    expect(eta.rate()).toBeCloseTo(10);
    expect(eta.secondsLeft(1000)).toBe(roundEta(90)); // 900 steps left at 10 a second
  });

  it('stays steady when step times swing (evaluations, pictures, saves): no jumps like 2,439 → 882 → 1,274 → 402 s', () => {
    const eta = new EtaEstimator();
    let t = 0;
    let done = 0;
    const shown: number[] = [];
    // 10 steps a second, with a 3 s pause every 50 steps (an evaluation) and random jitter.
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    while (done < 2000) {
      done++;
      t += 100 * (0.5 + random()) + (done % 50 === 0 ? 3000 : 0);
      eta.add(t, done);
      const s = eta.secondsLeft(2000);
      if (s !== undefined && done > 100) shown.push(s);
    }
    // Consecutive estimates never jump by more than a fifth (plus the rounding step), and only ever go down overall.
    for (let i = 1; i < shown.length; i++) expect(Math.abs(shown[i] - shown[i - 1])).toBeLessThanOrEqual(Math.max(15, 0.2 * shown[i - 1]));
    expect(shown[shown.length - 1]).toBeLessThan(shown[0]);
  });

  it('starts afresh when the work goes back (a reset)', () => {
    const eta = new EtaEstimator(30_000, 1000);
    eta.add(0, 100);
    eta.add(5000, 200);
    eta.add(6000, 0);
    expect(eta.rate()).toBeUndefined();
  });

  it('rounds and writes times for people', () => {
    expect(roundEta(42)).toBe(40);
    expect(roundEta(137)).toBe(135);
    expect(roundEta(2439)).toBe(2460);
    expect(formatEta(40)).toBe('about 40 s');
    expect(formatEta(135)).toBe('about 2 min 15 s');
    expect(formatEta(2460)).toBe('about 41 min');
    expect(formatEta(3900)).toBe('about 1 h 5 min');
  });
});
