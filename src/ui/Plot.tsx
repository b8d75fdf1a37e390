import { useEffect, useRef } from 'react';
import type { Data, Layout } from 'plotly.js-dist-min';

type PlotlyModule = typeof import('plotly.js-dist-min');
let plotly: Promise<PlotlyModule> | undefined;
/** Plotly is large: loaded once, on first use, in its own chunk. */
export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-dist-min');
  return plotly;
}

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

/**
 * Redraws wait in one queue and run one chart per task, so that many charts updating together never block the
 * main thread for long in one go; a chart queued twice is drawn once, with its latest data.
 */
const pending = new Map<HTMLElement, () => Promise<void>>();
let draining = false;
function scheduleRedraw(el: HTMLElement, draw: () => Promise<void>): void {
  pending.set(el, draw);
  if (draining) return;
  draining = true;
  const next = () => {
    const first = pending.entries().next();
    if (first.done) {
      draining = false;
      return;
    }
    const [key, job] = first.value;
    pending.delete(key);
    void job().finally(() => setTimeout(next, 0));
  };
  setTimeout(next, 0);
}

/** A point under the pointer: its trace, index in the trace, heatmap cell, and where the pointer is on the page. */
export interface HoverPoint {
  curveNumber: number;
  pointIndex: number;
  x: unknown;
  y: unknown;
  clientX: number;
  clientY: number;
}

type PlotElement = HTMLDivElement & { on?: (event: string, f: (e: unknown) => void) => void; removeAllListeners?: (event: string) => void };

/** A Plotly chart redrawn with Plotly.react whenever data or layout change (the caller throttles). */
export function Plot({
  data,
  layout,
  testId,
  className,
  onHover,
  onUnhover,
}: {
  data: Data[];
  layout: Layout;
  testId: string;
  className?: string;
  onHover?: (p: HoverPoint) => void;
  onUnhover?: () => void;
}) {
  const ref = useRef<PlotElement>(null);
  const handlers = useRef({ onHover, onUnhover });
  handlers.current = { onHover, onUnhover };
  useEffect(() => {
    let live = true;
    const target = ref.current;
    if (!target) return;
    scheduleRedraw(target, async () => {
      const P = await loadPlotly();
      const el = ref.current;
      if (!live || !el) return;
      const first = !el.on;
      const t0 = performance.now();
      await P.react(el, data, layout, CONFIG);
      // Visible in the Performance panel and to `npm run bench`-style scripts as "plot-redraw <id>".
      performance.measure(`plot-redraw ${testId}`, { start: t0, end: performance.now() });
      if (first && el.on) {
        el.on('plotly_hover', (e) => {
          const ev = e as { points: { curveNumber: number; pointIndex?: number; pointNumber?: number | number[]; x: unknown; y: unknown }[]; event?: MouseEvent };
          const pt = ev.points[0];
          if (!pt) return;
          const idx = Array.isArray(pt.pointNumber) ? -1 : (pt.pointIndex ?? pt.pointNumber ?? -1);
          const box = el.getBoundingClientRect();
          handlers.current.onHover?.({
            curveNumber: pt.curveNumber,
            pointIndex: idx,
            x: pt.x,
            y: pt.y,
            clientX: ev.event?.clientX ?? box.left + box.width / 2,
            clientY: ev.event?.clientY ?? box.top + box.height / 2,
          });
        });
        el.on('plotly_unhover', () => handlers.current.onUnhover?.());
      }
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, layout]);
  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) void loadPlotly().then((P) => P.purge(el));
    };
  }, []);
  return <div ref={ref} data-testid={testId} className={className ?? 'plot'} />;
}
