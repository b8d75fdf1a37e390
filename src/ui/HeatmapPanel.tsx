import { useMemo, useRef, useState } from 'react';
import type { ObjectiveName } from '../core/config';
import type { ProbeInfo, RunViz } from '../worker/protocol';
import { HoverCard } from './HoverCard';
import { objectiveSpec } from '../core/registry';
import { fixedAxis, stableRange, stepRange, type Range } from './chartRange';
import { Plot, type HoverPoint } from './Plot';

/**
 * The similarity graph, seen: the X-Sample target s of the probe batch next to each run's learned distribution p,
 * on one colour scale, with how far p is from s (mean KL). Hovering a cell shows its two samples.
 */
export function HeatmapPanel({
  probe,
  viz,
  objectives,
  klHistory,
  totalSteps,
}: {
  probe?: ProbeInfo;
  viz: Partial<Record<ObjectiveName, RunViz>>;
  objectives: ObjectiveName[];
  klHistory: Partial<Record<ObjectiveName, { step: number; kl: number }[]>>;
  totalSteps: number;
}) {
  const [hover, setHover] = useState<{ row: number; col: number; x: number; y: number; value: number; name: string }>();
  const panels = useMemo(() => {
    if (!probe) return { zmax: 0, list: [] };
    const P = probe.heatmap.indices.length;
    const matrices: { name: string; key: string; z: Float32Array; note: string }[] = [
      { name: `target s (τ_s = ${probe.tauS})`, key: 'target', z: probe.target, note: 'X-Sample target from the caption graph' },
    ];
    for (const o of objectives) {
      const v = viz[o];
      if (v) matrices.push({ name: `${objectiveSpec(o).label} p, step ${v.step}`, key: o, z: v.learned, note: `learned ${v.kind} · KL(s‖p) = ${v.kl.toFixed(3)}` });
    }
    // One colour scale for all: up to the 99th percentile of every off-diagonal value.
    const all: number[] = [];
    for (const m of matrices) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) if (i !== j) all.push(m.z[i * P + j]);
    all.sort((a, b) => a - b);
    const zmax = Math.max(1e-6, all[Math.floor(all.length * 0.99)] ?? 1);
    return { zmax, list: matrices.map((m) => {
      const rows: number[][] = [];
      for (let i = 0; i < P; i++) rows.push(Array.from(m.z.subarray(i * P, (i + 1) * P)));
      return {
        ...m,
        data: [{ type: 'heatmap', z: rows, zmin: 0, zmax, colorscale: 'Viridis', showscale: false, hoverinfo: 'none' }],
        layout: {
          // Just above the plot, below the modebar (which sits at the top right of these narrow charts).
          title: { text: m.name, font: { size: 12 }, y: 1, yref: 'paper', yanchor: 'bottom', pad: { b: 4 } },
          margin: { l: 30, r: 10, t: 50, b: 30 },
          height: 300,
          // Square cells: the axes give up part of their length (domain), not extra empty range.
          xaxis: fixedAxis([-0.5, P - 0.5], { title: { text: 'b' }, showticklabels: false, constrain: 'domain' }),
          yaxis: fixedAxis([P - 0.5, -0.5], { title: { text: 'a' }, showticklabels: false, scaleanchor: 'x', constrain: 'domain' }),
          uirevision: m.key,
        },
      };
    }) };
  }, [probe, viz, objectives]);
  if (!probe) return <p className="hint">The heatmaps of a probe batch of held-out images appear once a run starts.</p>;
  const P = probe.heatmap.indices.length;
  const onHover = (name: string, z: Float32Array) => (p: HoverPoint) => {
    const col = Number(p.x);
    const row = Number(p.y);
    if (Number.isInteger(row) && Number.isInteger(col)) setHover({ row, col, x: p.clientX, y: p.clientY, value: z[row * P + col], name });
  };
  return (
    <section className="panel" aria-label="Similarity heatmaps" data-testid="heatmap-panel" data-size={P}>
      <h2>Similarity graph: target and learned ({P} held-out images{probe.heatmap.labels[0] ? ', ordered by label' : ', ordered by the graph'})</h2>
      <div className="heatmaps">
        {panels.list.map((m) => (
          <div key={m.key} className="heatmap" style={{ borderColor: m.key === 'target' ? '#999' : objectiveSpec(m.key as ObjectiveName).colour }}>
            <Plot testId={`heatmap-${m.key}`} data={m.data} layout={m.layout} className="plot heat" onHover={onHover(m.name, m.z)} onUnhover={() => setHover(undefined)} />
            <div className="heat-note" data-testid={`heat-note-${m.key}`}>
              {m.note}
            </div>
          </div>
        ))}
      </div>
      <p className="hint">
        One colour scale for all: 0 (dark) to {panels.zmax.toFixed(3)} (yellow, the 99th percentile). Rows a are anchors, columns b the
        samples they are pulled towards; hover a cell to see both.
      </p>
      <p className="explain" data-testid="heatmap-explain">
        <b>What to look for:</b> a run whose picture comes to look like the target has learned the caption graph: bright cells
        off the diagonal are images it finds alike because their captions are alike. A bright diagonal and little else means it
        tells every image apart, which is what CLIP is trained to do.
      </p>
      <KlChart klHistory={klHistory} totalSteps={totalSteps} />
      {Object.keys(klHistory).length > 0 && (
        <p className="explain" data-testid="kl-explain">
          <b>Falling KL:</b> the run's similarities move towards the target. <b>Rising KL</b> on these held-out images is
          common for a two-view objective (SimCLR, and X-Sample's image–image loss): it trains on two augmented views of
          each image, while these images are seen once, un-augmented, so its similarities grow sharper than the target — it
          says less about the quality of the embedding than the k-NN and probe accuracies do.
        </p>
      )}
      {hover && (
        <HoverCard
          imageSize={probe.imageSize}
          x={hover.x}
          y={hover.y}
          title={`${hover.name}: ${hover.value.toFixed(4)}`}
          items={[
            { set: probe.heatmap, index: hover.row, note: '(a, row)' },
            { set: probe.heatmap, index: hover.col, note: '(b, column)' },
          ]}
        />
      )}
    </section>
  );
}

function KlChart({ klHistory, totalSteps }: { klHistory: Partial<Record<ObjectiveName, { step: number; kl: number }[]>>; totalSteps: number }) {
  const yRange = useRef<Range>(undefined);
  const { data, y } = useMemo(() => {
    const traces = (Object.entries(klHistory) as [ObjectiveName, { step: number; kl: number }[]][]).map(([o, h]) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: objectiveSpec(o).label,
      x: h.map((p) => p.step),
      y: h.map((p) => p.kl),
      line: { color: objectiveSpec(o).colour },
    }));
    yRange.current = stableRange([0, ...traces.flatMap((t) => t.y)], yRange.current);
    return { data: traces, y: yRange.current };
  }, [klHistory]);
  const lastStep = Math.max(0, ...data.flatMap((t) => t.x));
  const [x0, x1] = stepRange(totalSteps, lastStep);
  const layout = useMemo(
    () => ({
      title: { text: 'How close p is to s: mean KL(s‖p), nats', font: { size: 12 } },
      margin: { l: 40, r: 10, t: 28, b: 30 },
      height: 180,
      xaxis: fixedAxis([x0, x1]),
      yaxis: fixedAxis(y),
      showlegend: false,
      uirevision: 'kl',
    }),
    [x0, x1, y],
  );
  if (data.length === 0) return null;
  return <Plot testId="kl-chart" data={data} layout={layout} className="plot tiny" />;
}
