import { describe, expect, it } from 'vitest';
import { lossAxesLayout, lossAxisOf, lossChartHeight, lossPanels, panelRanges, stepAxisAnchor } from '../../src/ui/lossAxes';

describe('the loss chart: one y axis per objective', () => {
  it('stacks one panel per objective, first on top, without overlap, the step axis under the lowest', () => {
    const panels = lossPanels(['clip', 'xsample']);
    expect(panels.map((p) => [p.objective, p.axis, p.layoutKey])).toEqual([
      ['clip', 'y', 'yaxis'],
      ['xsample', 'y2', 'yaxis2'],
    ]);
    const [top, bottom] = panels.map((p) => p.domain);
    expect(top[1]).toBe(1);
    expect(bottom[0]).toBe(0);
    expect(bottom[1]).toBeLessThan(top[0]); // a gap between them
    expect(top[1] - top[0]).toBeCloseTo(bottom[1] - bottom[0], 6); // equal heights
    expect(stepAxisAnchor(panels)).toBe('y2');
    expect(lossAxisOf(panels, 'xsample')).toBe('y2');
    expect(lossPanels(['xsample'])[0].domain).toEqual([0, 1]);
    expect(lossChartHeight(1)).toBe(300);
    expect(lossChartHeight(3)).toBeGreaterThan(lossChartHeight(2));
  });

  it('gives each objective a range from its own values: a loss near 4 and one near 0.5 are not squashed together', () => {
    const ranges = panelRanges({ clip: [4.2, 3.9, 3.5], xsample: [0.62, 0.55, 0.51] }, false);
    expect(ranges.clip![0]).toBeLessThanOrEqual(3.5);
    expect(ranges.clip![0]).toBeGreaterThan(3); // not dragged down to X-Sample's values
    expect(ranges.xsample![1]).toBeGreaterThanOrEqual(0.62);
    expect(ranges.xsample![1]).toBeLessThan(1);
    // Kept while the values still fill it (no relayout on every step).
    expect(panelRanges({ clip: [4.2, 3.9, 3.5, 3.45] }, false, ranges).clip).toBe(ranges.clip);
    // Log axes: ranges in log10 of the positive values.
    const log = panelRanges({ clip: [100, 10, 0] }, true);
    expect(log.clip![0]).toBeLessThanOrEqual(1);
    expect(log.clip![1]).toBeGreaterThanOrEqual(2);
  });

  it('lays out a titled axis per panel, and a plain one before there is a run', () => {
    const panels = lossPanels(['clip', 'xsample']);
    const layout = lossAxesLayout(panels, { clip: [3, 5], xsample: [0, 1] }, true, (o) => o.toUpperCase());
    expect(layout.yaxis).toMatchObject({ range: [3, 5], type: 'log', domain: panels[0].domain, title: { text: 'CLIP loss' } });
    expect(layout.yaxis2).toMatchObject({ range: [0, 1], domain: panels[1].domain, title: { text: 'XSAMPLE loss' } });
    expect(Object.keys(lossAxesLayout([], {}, false, String))).toEqual(['yaxis']);
  });
});
