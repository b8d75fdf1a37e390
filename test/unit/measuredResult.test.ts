import { describe, expect, it } from 'vitest';
import summary from '../../bench/results/summary.json';
import { DEFAULT_SETTINGS } from '../../src/core/config';
import { measuredClaim, type MeasuredMetric, type MeasuredSummary, withPreset } from '../../src/core/measuredResult';

const metric = (diff: number, ci: [number, number], label = 'k-NN top-1, backbone'): MeasuredMetric => ({
  label,
  clip: 0.3,
  xsample: 0.3 + diff,
  diff,
  diffCi: ci,
  significant: ci[0] > 0 || ci[1] < 0,
});

describe('the measured claim next to the objectives', () => {
  it('says plainly that there is no significant difference, with the numbers, and offers no preset', () => {
    const s: MeasuredSummary = {
      dataset: 'demo',
      settings: [
        { name: 'after (defaults)', seeds: [0, 1, 2], changed: {}, metrics: { knnTop1: metric(0.012, [-0.02, 0.044]) } },
        { name: '100 steps', seeds: [0, 1, 2, 3, 4], changed: { steps: 100 }, metrics: { knnTop1: metric(-0.01, [-0.03, 0.01]) } },
      ],
    };
    const claim = measuredClaim(s, 'after (defaults)');
    expect(claim.preset).toBeUndefined();
    expect(claim.text).toBe(
      'Measured on the demo set over 3 seeds (0, 1, 2) at the default settings: no significant difference between X-Sample and CLIP ' +
        '(X-Sample − CLIP, points: k-NN top-1, backbone +1.2 [−2.0, +4.4]; every 95% paired interval includes 0), nor at "100 steps".',
    );
  });

  it('offers the setting whose paired interval excludes 0 as a preset, in either direction', () => {
    const s: MeasuredSummary = {
      dataset: 'demo',
      settings: [
        { name: 'after (defaults)', seeds: [0, 1, 2], changed: {}, metrics: { knnTop1: metric(0.012, [-0.02, 0.044]) } },
        { name: '100 steps', seeds: [0, 1, 2], changed: { steps: 100, sameAugment: true }, metrics: { knnTop1: metric(-0.05, [-0.08, -0.02]) } },
      ],
    };
    const claim = measuredClaim(s, 'after (defaults)');
    expect(claim.preset).toEqual({ name: '100 steps', changed: { steps: 100, sameAugment: true } });
    expect(claim.text).toBe(
      'Measured on the demo set over 3 seeds (0, 1, 2) at "100 steps": CLIP beats X-Sample on k-NN top-1, backbone −5.0 [−8.0, −2.0] points (X-Sample − CLIP, 95% paired intervals that exclude 0).',
    );
    // The preset sets the app's defaults with its changes, whatever was set before; the backend stays the user's.
    const before = { ...DEFAULT_SETTINGS, lr: 0.01, tau: 0.5, backend: 'wasm' as const };
    expect(withPreset(before, claim.preset!.changed)).toEqual({ ...DEFAULT_SETTINGS, steps: 100, sameAugment: true, backend: 'wasm' });
    expect(() => withPreset(DEFAULT_SETTINGS, { nonsense: 1 })).toThrow('preset: nonsense is no setting');
  });

  it('prefers the defaults among settings with as many significant metrics, and names the ones without', () => {
    const s: MeasuredSummary = {
      dataset: 'demo',
      settings: [
        { name: 'before', seeds: [0, 1, 2], changed: { sameAugment: true }, metrics: { knnTop1: metric(0.02, [0.01, 0.03]) } },
        {
          name: 'after (defaults)',
          seeds: [0, 1, 2],
          changed: {},
          metrics: { knnTop1: metric(0.029, [0.017, 0.042]), linearProbeTop1: metric(0.008, [-0.01, 0.026], 'linear probe, backbone') },
        },
      ],
    };
    const claim = measuredClaim(s, 'after (defaults)');
    expect(claim.preset).toEqual({ name: 'after (defaults)', changed: {} });
    expect(claim.text).toBe(
      'Measured on the demo set over 3 seeds (0, 1, 2) at the default settings: X-Sample beats CLIP on k-NN top-1, backbone +2.9 [+1.7, +4.2] points ' +
        '(X-Sample − CLIP, 95% paired intervals that exclude 0); no significant difference on linear probe, backbone +0.8 [−1.0, +2.6].',
    );
  });

  it('reads the measured runs of bench/results/summary.json: every setting over at least 3 seeds', () => {
    const s = summary as MeasuredSummary;
    expect(s.settings.length).toBeGreaterThanOrEqual(2);
    expect(s.settings.map((x) => x.name)).toContain('defaults');
    for (const setting of s.settings) {
      expect(setting.seeds.length, setting.name).toBeGreaterThanOrEqual(3);
      expect(Object.keys(setting.metrics)).toEqual(['knnTop1', 'linearProbeTop1', 'knnTop1Projected', 'linearProbeTop1Projected']);
      for (const m of Object.values(setting.metrics)) expect(m.significant).toBe(m.diffCi[0] > 0 || m.diffCi[1] < 0);
      expect(() => withPreset(DEFAULT_SETTINGS, setting.changed)).not.toThrow();
    }
    expect(measuredClaim(s, 'defaults').text).toMatch(/^Measured on the demo set over \d+ seeds/);
  });
});
