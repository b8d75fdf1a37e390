import { useMemo, useRef, useState } from 'react';
import type { ObjectiveName } from '../core/config';
import { procrustes2 } from '../core/projection';
import { callback, startUmapWorker } from '../worker/client';
import type { ProbeInfo, RunViz, SampleSet } from '../worker/protocol';
import { HoverCard } from './HoverCard';
import { objectiveSpec } from '../core/registry';
import { fixedAxis, stableSymmetricRange, type Range } from './chartRange';
import { Plot, type HoverPoint } from './Plot';

export const UMAP_CAP = 5000;
/** Pictures with more points than this are drawn with WebGL. */
const WEBGL_ABOVE = 1000;
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173'];

/** A title's second line, in smaller type. */
const small = (text: string) => `<span style="font-size:10px">${text}</span>`;

interface Picture {
  points: Float32Array; // (n, 2)
  samples: SampleSet;
  title: string;
}

/**
 * Embedding projections of every run side by side: PCA of the held-out embeddings (live), or UMAP on demand
 * (computed in its own worker), aligned by Procrustes to the first run. Coloured by label; hover shows the sample;
 * the search box highlights matching captions.
 */
export function ProjectionPanel({
  probe,
  viz,
  objectives,
  fetchEmbeddings,
  running,
  onPick,
}: {
  probe?: ProbeInfo;
  viz: Partial<Record<ObjectiveName, RunViz>>;
  objectives: ObjectiveName[];
  fetchEmbeddings: (o: ObjectiveName, cap: number) => Promise<{ dim: number; vectors: Float32Array; samples: SampleSet } | undefined>;
  running: boolean;
  /** A dot clicked: ask "Try it" with its image. */
  onPick?: (index: number) => void;
}) {
  const [mode, setMode] = useState<'pca' | 'umap'>('pca');
  const [umap, setUmap] = useState<Partial<Record<ObjectiveName, Picture>>>({});
  const [umapProgress, setUmapProgress] = useState<string>();
  const [query, setQuery] = useState('');
  const [hover, setHover] = useState<{ set: SampleSet; index: number; x: number; y: number }>();

  const pictures = useMemo(() => {
    const out: [ObjectiveName, Picture][] = [];
    for (const o of objectives) {
      if (mode === 'umap') {
        const u = umap[o];
        if (u) out.push([o, u]);
      } else {
        const v = viz[o];
        if (v && probe)
          out.push([o, { points: v.pca, samples: probe.points, title: `${objectiveSpec(o).label}<br>${small(`PCA, step ${v.step}, ${((v.explained[0] + v.explained[1]) * 100).toFixed(0)}% of variance`)}` }]);
      }
    }
    return out;
  }, [mode, umap, viz, probe, objectives]);

  const labels = useMemo(() => {
    const s = pictures[0]?.[1].samples;
    return s ? [...new Set(s.labels.filter(Boolean))].sort() : [];
  }, [pictures]);

  // One symmetric range for every picture (they are aligned, so they share axes), kept while the points fill it.
  // Computed when the pictures change, not on every keystroke in the search box.
  const axisRange = useRef<Range>(undefined);
  const range = useMemo(() => {
    function* coordinates() {
      for (const [, pic] of pictures) yield* pic.points;
    }
    axisRange.current = stableSymmetricRange(coordinates(), axisRange.current);
    return axisRange.current;
  }, [pictures]);
  const plots = useMemo(() => {
    const q = query.trim().toLowerCase();
    return pictures.map(([o, pic]) => {
      const n = pic.points.length / 2;
      const match = pic.samples.captions.map((c) => q !== '' && c.toLowerCase().includes(q));
      const colour = pic.samples.labels.map((l) => (l ? PALETTE[labels.indexOf(l) % PALETTE.length] : objectiveSpec(o).colour));
      return {
        o,
        title: pic.title,
        matches: match.filter(Boolean).length,
        data: [
          {
            // Thousands of SVG markers take over 100 ms a redraw (UMAP of the demo set: 118 ms); WebGL draws them in
            // about 20 after a first draw that compiles its shaders.
            type: n > WEBGL_ABOVE ? 'scattergl' : 'scatter',
            mode: 'markers',
            x: Array.from({ length: n }, (_, i) => pic.points[i * 2]),
            y: Array.from({ length: n }, (_, i) => pic.points[i * 2 + 1]),
            marker: q
              ? { color: colour, size: match.map((m) => (m ? 11 : 6)), opacity: match.map((m) => (m ? 1 : 0.15)), line: { width: match.map((m) => (m ? 2 : 0)), color: '#000' } }
              : { color: colour, size: 6, opacity: 0.8 },
            hoverinfo: 'none',
          },
        ],
        layout: {
          // Two lines just above the plot, below the modebar (which sits at the top right of narrow charts).
          title: { text: pic.title, font: { size: 12 }, y: 1, yref: 'paper', yanchor: 'bottom', pad: { b: 6 } },
          margin: { l: 30, r: 10, t: 64, b: 30 },
          height: 350,
          xaxis: fixedAxis(range),
          yaxis: fixedAxis(range),
          showlegend: false,
          uirevision: `${o}-${mode}`,
        },
        samples: pic.samples,
      };
    });
  }, [pictures, query, labels, mode, range]);

  const computeUmap = async () => {
    const worker = startUmapWorker();
    try {
      const result: Partial<Record<ObjectiveName, Picture>> = {};
      let reference: Float32Array | undefined;
      for (const [k, o] of objectives.entries()) {
        setUmapProgress(`${objectiveSpec(o).label}: embedding…`);
        const e = await fetchEmbeddings(o, UMAP_CAP);
        if (!e) continue;
        const n = e.vectors.length / e.dim;
        const pts = await worker.api.run(
          e.vectors,
          e.dim,
          1,
          callback((done: number, total: number) => setUmapProgress(`${objectiveSpec(o).label} (${k + 1}/${objectives.length}): UMAP epoch ${done} / ${total} on ${n} samples`)),
        );
        const aligned = reference ? procrustes2(pts, reference) : pts;
        reference ??= aligned;
        result[o] = { points: aligned, samples: e.samples, title: `${objectiveSpec(o).label}<br>${small(`UMAP of ${n} samples`)}` };
      }
      setUmap(result);
      setMode('umap');
    } finally {
      worker.terminate();
      setUmapProgress(undefined);
    }
  };

  if (!probe) return null;
  return (
    <section className="panel" aria-label="Embedding projections" data-testid="projection-panel">
      <h2>Embedding projections</h2>
      <div className="projection-controls">
        <label>
          <input type="radio" name="proj" checked={mode === 'pca'} onChange={() => setMode('pca')} /> PCA (live, {probe.points.indices.length} held-out images)
        </label>
        <label>
          <input type="radio" name="proj" checked={mode === 'umap'} disabled={Object.keys(umap).length === 0} onChange={() => setMode('umap')} /> UMAP
        </label>
        <button onClick={() => void computeUmap()} disabled={umapProgress !== undefined || running || objectives.length === 0} data-testid="compute-umap" title={`UMAP (umap-js) on up to ${UMAP_CAP.toLocaleString()} samples, in its own worker`}>
          {Object.keys(umap).length > 0 ? 'Recompute UMAP' : 'Compute UMAP'} (≤ {UMAP_CAP.toLocaleString()} samples)
        </button>
        <input type="search" placeholder="highlight captions…" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="projection-search" aria-label="highlight captions that contain" />
        {query && <small data-testid="search-count">{plots[0]?.matches ?? 0} match</small>}
      </div>
      {umapProgress && <p className="hint" data-testid="umap-progress">{umapProgress}</p>}
      <p className="explain" data-testid="projection-explain">
        <b>What to look for:</b> each dot is a held-out image, placed so that images the run finds alike sit close together
        {labels.length > 0 ? ', coloured by label: tight groups of one colour mean the run separates the classes it was never told about' : ''}.
        Hover a dot to see it; type in the box to light up the captions that contain a word.
      </p>
      <div className="projections" onClick={() => hover && onPick?.(hover.set.indices[hover.index])} title="click a dot to ask Try it with its image">
        {plots.map((p) => (
          <Plot
            key={`${p.o}-${mode}`}
            testId={`projection-${p.o}`}
            data={p.data}
            layout={p.layout}
            className="plot projection"
            onHover={(h: HoverPoint) => h.pointIndex >= 0 && setHover({ set: p.samples, index: h.pointIndex, x: h.clientX, y: h.clientY })}
            onUnhover={() => setHover(undefined)}
          />
        ))}
      </div>
      {labels.length > 0 && (
        <div className="legend">
          {labels.slice(0, PALETTE.length).map((l, i) => (
            <span key={l}>
              <i style={{ background: PALETTE[i] }} /> {l}
            </span>
          ))}
          {labels.length > PALETTE.length && <span>colours repeat after {PALETTE.length} labels</span>}
        </div>
      )}
      {hover && <HoverCard imageSize={probe.imageSize} x={hover.x} y={hover.y} items={[{ set: hover.set, index: hover.index }]} />}
    </section>
  );
}
