import { useEffect, useRef } from 'react';
import type { Data, Layout } from 'plotly.js-dist-min';

type PlotlyModule = typeof import('plotly.js-dist-min');
let plotly: Promise<PlotlyModule> | undefined;
/** Plotly is large: loaded once, on first use, in its own chunk. */
export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-dist-min');
  return plotly;
}

// A short modebar (picture, zoom, pan, reset) that fits above the narrow projection and heatmap charts' titles.
const CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['lasso2d', 'select2d', 'zoomIn2d', 'zoomOut2d', 'autoScale2d', 'toggleSpikelines', 'hoverClosestCartesian', 'hoverCompareCartesian'],
};

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

interface FrameStage {
  fresh: boolean; // Plotly.newPlot (else Plotly.react)
  layout: Layout;
  config: Record<string, unknown>;
  data?: Data[];
}
let plotlyWarm = false;
/**
 * How a new chart's empty frame is built, one task per stage. Plotly's first chart on a page runs code that was never
 * compiled, about 90 ms in one go on a 2-core laptop, so that one is built in six stages of 10-35 ms (hidden static
 * axes, static axes, the interactive chart, its titles, its annotations, a throw-away trace) before the empty frame;
 * once Plotly is warm a frame is one stage.
 */
function frameStages(layout: Layout): FrameStage[] {
  const full = { fresh: true, layout, config: CONFIG };
  if (plotlyWarm) return [full];
  const plain = { height: layout.height, margin: layout.margin };
  const fixed = { ...CONFIG, staticPlot: true };
  return [
    { fresh: true, layout: { ...plain, xaxis: { visible: false }, yaxis: { visible: false } }, config: fixed },
    { fresh: false, layout: { ...plain, xaxis: { range: [0, 1] }, yaxis: { range: [0, 1] } }, config: fixed },
    { fresh: true, layout: { ...layout, title: undefined, annotations: [] }, config: CONFIG },
    { fresh: false, layout: { ...layout, annotations: [] }, config: CONFIG },
    { ...full, fresh: false },
    // An invisible line with markers, so that drawing traces is compiled here too, not in the first live redraw.
    { ...full, fresh: false, data: [{ type: 'scatter', mode: 'lines+markers', x: [0, 1], y: [0, 1], opacity: 0, hoverinfo: 'skip' }] },
    { ...full, fresh: false },
  ];
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

/**
 * A Plotly chart redrawn with Plotly.react whenever data or layout change (the caller throttles, and passes axis
 * ranges so that Plotly need not autorange). A new chart is first drawn empty, and filled in a later task, so that
 * building its frame and drawing its traces never add up in one long task.
 */
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
  const latest = useRef({ data, layout });
  latest.current = { data, layout };
  const frame = useRef<FrameStage[]>(undefined);
  useEffect(() => {
    let live = true;
    const target = ref.current;
    if (!target) return;
    const draw = async () => {
      const P = await loadPlotly();
      const el = ref.current;
      if (!live || !el) return;
      const t0 = performance.now();
      frame.current ??= frameStages(latest.current.layout);
      const stage = frame.current.shift();
      if (stage) {
        if (stage.fresh) {
          await P.newPlot(el, [], stage.layout, stage.config);
          attachHover(el); // newPlot drops the listeners of the chart it replaces
        } else await P.react(el, stage.data ?? [], stage.layout, stage.config);
        if (frame.current.length === 0) plotlyWarm = true;
        // The next stage (or the traces) follow in their own task, unless a newer draw of this chart is queued.
        if (!pending.has(el)) scheduleRedraw(el, draw);
      } else {
        await P.react(el, latest.current.data, latest.current.layout, CONFIG);
      }
      // Visible in the Performance panel and to `npm run bench -- --panel` as "plot-redraw <id>".
      performance.measure(`plot-redraw ${testId}`, { start: t0, end: performance.now() });
    };
    scheduleRedraw(target, draw);
    return () => {
      live = false;
    };
    // Redrawn for new data or layout; testId and the element are fixed for the life of the chart.
  }, [data, layout]);
  const attachHover = (el: PlotElement) => {
    el.on?.('plotly_hover', (e) => {
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
    el.on?.('plotly_unhover', () => handlers.current.onUnhover?.());
  };
  useEffect(() => {
    const el = ref.current;
    // Plotly follows the window's size ('responsive'), not its box's: a column that widens or narrows (the page's
    // layout once pictures arrive) resizes the chart here.
    let width = el?.clientWidth ?? 0;
    const observer =
      el && typeof ResizeObserver !== 'undefined'
        ? new ResizeObserver(() => {
            // A chart hidden or taken off the page (width 0) is left as it is: Plotly resizes only displayed charts.
            if (el.clientWidth === width || el.clientWidth === 0 || !el.isConnected || !el.classList.contains('js-plotly-plot')) return;
            width = el.clientWidth;
            void loadPlotly()
              .then((P) => P.Plots.resize(el))
              .catch(() => undefined); // hidden between the check and the resize: the next size change redraws it
          })
        : undefined;
    if (el) observer?.observe(el);
    return () => {
      observer?.disconnect();
      if (el) void loadPlotly().then((P) => P.purge(el));
    };
  }, []);
  return <div ref={ref} data-testid={testId} className={className ?? 'plot'} />;
}
