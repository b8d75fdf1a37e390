import type { ObjectiveName } from '../core/config';
import { fixedAxis, stableRange, type Range } from './chartRange';

/**
 * The loss chart draws each objective on its own y axis: CLIP's loss (over image–text pairs, with a learned
 * temperature) and X-Sample's (soft targets over two views) are different quantities, so one shared axis would
 * squash one of them flat and invite comparing heights that mean nothing. The panels are stacked top to bottom in
 * the order of the runs and share the step axis, drawn under the lowest one.
 */
export interface LossPanel {
  objective: ObjectiveName;
  /** The trace's `yaxis` ('y', 'y2', …). */
  axis: string;
  /** The layout key of that axis ('yaxis', 'yaxis2', …). */
  layoutKey: string;
  /** Its vertical extent in the chart, as a fraction (0 at the bottom). */
  domain: Range;
}

/** Vertical space between two panels, as a fraction of the plot area. */
const GAP = 0.1;

/** One panel per objective, the first on top. */
export function lossPanels(objectives: ObjectiveName[]): LossPanel[] {
  const n = objectives.length;
  const gap = n > 1 ? GAP : 0;
  const h = (1 - gap * (n - 1)) / Math.max(1, n);
  return objectives.map((objective, i) => {
    const top = 1 - i * (h + gap);
    const domain: Range = [Number(Math.max(0, top - h).toFixed(4)), Number(top.toFixed(4))];
    return { objective, axis: i === 0 ? 'y' : `y${i + 1}`, layoutKey: i === 0 ? 'yaxis' : `yaxis${i + 1}`, domain };
  });
}

/** The trace axis of an objective's curves ('y' when it has no panel, e.g. before any run exists). */
export function lossAxisOf(panels: LossPanel[], objective: ObjectiveName): string {
  return panels.find((p) => p.objective === objective)?.axis ?? 'y';
}

/** The chart's height in px: 300 for one run, then 150 more for each further panel. */
export function lossChartHeight(panels: number): number {
  return 300 + 150 * Math.max(0, panels - 1);
}

/**
 * Each panel's y range from the values of its own curves (log10 of the positive ones on a log axis), kept while the
 * values still fill it (stableRange), so that a redraw moves only the traces.
 */
export function panelRanges(
  values: Partial<Record<ObjectiveName, number[]>>,
  logY: boolean,
  prev: Partial<Record<ObjectiveName, Range>> = {},
): Partial<Record<ObjectiveName, Range>> {
  const out: Partial<Record<ObjectiveName, Range>> = {};
  for (const [o, ys] of Object.entries(values) as [ObjectiveName, number[]][]) {
    const usable = logY ? ys.filter((v) => v > 0).map(Math.log10) : ys;
    out[o] = stableRange(usable, prev[o]);
  }
  return out;
}

/**
 * The layout entries of the panels: one y axis per objective at its range, titled with the objective's name (one
 * plain 'loss' axis while there are no runs).
 */
export function lossAxesLayout(
  panels: LossPanel[],
  ranges: Partial<Record<ObjectiveName, Range>>,
  logY: boolean,
  labelOf: (o: ObjectiveName) => string,
): Record<string, unknown> {
  const layout: Record<string, unknown> = {};
  for (const p of panels)
    layout[p.layoutKey] = fixedAxis(ranges[p.objective] ?? [0, 1], {
      title: { text: `${labelOf(p.objective)} loss`, font: { size: 11 } },
      type: logY ? 'log' : 'linear',
      domain: p.domain,
      anchor: 'x',
    });
  if (panels.length === 0) layout.yaxis = fixedAxis([0, 1], { title: { text: 'loss' }, type: logY ? 'log' : 'linear' });
  return layout;
}

/** The y axis the step axis is drawn against: the lowest panel's. */
export function stepAxisAnchor(panels: LossPanel[]): string {
  return panels[panels.length - 1]?.axis ?? 'y';
}
