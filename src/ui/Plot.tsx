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

/** A Plotly chart redrawn with Plotly.react whenever data or layout change (the caller throttles). */
export function Plot({ data, layout, testId, className }: { data: Data[]; layout: Layout; testId: string; className?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let live = true;
    void loadPlotly().then((P) => {
      if (live && ref.current) void P.react(ref.current, data, layout, CONFIG);
    });
    return () => {
      live = false;
    };
  }, [data, layout]);
  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) void loadPlotly().then((P) => P.purge(el));
    };
  }, []);
  return <div ref={ref} data-testid={testId} className={className ?? 'plot'} />;
}
