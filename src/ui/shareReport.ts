import type { ObjectiveName, Settings } from '../core/config';
import { objectiveSpec } from '../core/registry';
import { settingsEntries } from '../core/settingsTable';
import { loadPlotly } from './Plot';
import type { EvalMetrics } from '../worker/protocol';
import { referenceLabel, type ReferenceRun, runLabel, type TrainingView } from './trainingView';

/**
 * "Share what you see": one PNG with every chart of the page under a header that says what they show (the runs,
 * the dataset, the step, the settings, the link that reproduces them). The text and the placement of the charts are
 * plain functions (tested in Node); drawing them is composeReport's, on a canvas.
 */

/** The report's width in px; charts wider than it (less the margins) are scaled down to fit. */
export const REPORT_WIDTH = 1600;
const PAD = 16;
const GAP = 10;
const TITLE_PX = 26;
const LINE_PX = 17;

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`);

/** The report's title and header lines. */
export function reportText(view: TrainingView, config: Settings, objectives: ObjectiveName[], link: string, made: Date): { title: string; lines: string[] } {
  const runs = view.objectives.length > 0 ? view.objectives : objectives;
  const title = `X-Sample Playground: ${runs.map((o) => objectiveSpec(o).label).join(' vs ')}${view.dataset ? ` on ${view.dataset.name}` : ''}`;
  const lines: string[] = [];
  const d = view.dataset;
  if (d)
    lines.push(
      `Dataset: ${d.name}, ${d.size.toLocaleString('en-US')} images (${d.trainSize.toLocaleString('en-US')} training, ${d.heldOutSize.toLocaleString('en-US')} held out, ${d.heldOutBy})` +
        `${d.labels > 0 ? `, ${d.labels} labels` : ', no labels'}; X-Sample graph: ${d.graph}`,
    );
  const state = view.totalSteps > 0 ? `step ${view.step} of ${view.totalSteps} (${view.state})` : 'not trained yet';
  const runLine = view.objectives
    .map((o) => {
      const last = view.histories[o]?.last;
      return `${objectiveSpec(o).label} at step ${last?.step ?? 0}${last ? `, loss ${last.loss.toFixed(3)}` : ''}`;
    })
    .join('; ');
  lines.push(`Runs: ${runLine || 'none yet'} · ${state}${view.backend ? ` · backend ${view.backend.active} (${view.backend.adapter})` : ''}`);
  for (const o of view.objectives) {
    const m = view.metrics[o]?.at(-1);
    if (m) lines.push(`${runLabel(objectiveSpec(o).label, view.origins[o])} at step ${m.step}: ${metricsText(m)}`);
  }
  // Imported runs shown beside the live ones (dashed in the charts).
  for (const [o, r] of Object.entries(view.references) as [ObjectiveName, ReferenceRun][]) {
    const m = r.metrics.at(-1);
    lines.push(`${referenceLabel(objectiveSpec(o).label, r.origin)}, reference run (dashed), at step ${r.step}${m ? `: ${metricsText(m)}` : ''}`);
  }
  lines.push(`Settings: objectives=${objectives.join(',')} ${settingsEntries(config).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`Link: ${link}`);
  lines.push(`Made ${made.toISOString().replace('T', ' ').slice(0, 16)} UTC; all data stayed in the browser.`);
  return { title, lines };
}

/** One run's latest held-out metrics in a line. */
function metricsText(m: EvalMetrics): string {
  const parts = [`held-out loss ${m.heldOutLoss.toFixed(3)}`];
  if (m.knnTop1 !== undefined) parts.push(`k-NN ${pct(m.knnTop1)}`, `linear probe ${pct(m.linearProbeTop1)}`);
  if (m.retrieval) parts.push(`i→t R@1 ${pct(m.retrieval.imageToText.r1)}`, `t→i R@1 ${pct(m.retrieval.textToImage.r1)}`);
  parts.push(`graph ρ ${Number.isNaN(m.graphSpearman) ? '–' : m.graphSpearman.toFixed(3)}`);
  return parts.join(' · ');
}

export interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Places charts (in page order) in rows, left to right, each at its own size (scaled down when wider than the
 * report): a new row starts where the next chart does not fit. Returns the places and the height they take.
 */
export function placeCharts(sizes: { width: number; height: number }[], top: number, width = REPORT_WIDTH): { places: Placed[]; bottom: number } {
  const inner = width - 2 * PAD;
  const places: Placed[] = [];
  let x = PAD;
  let y = top;
  let rowHeight = 0;
  for (const s of sizes) {
    const scale = Math.min(1, inner / Math.max(1, s.width));
    const w = Math.round(s.width * scale);
    const h = Math.round(s.height * scale);
    if (x > PAD && x + w > PAD + inner) {
      x = PAD;
      y += rowHeight + GAP;
      rowHeight = 0;
    }
    places.push({ x, y, width: w, height: h });
    x += w + GAP;
    rowHeight = Math.max(rowHeight, h);
  }
  return { places, bottom: y + rowHeight + PAD };
}

/** Splits text into lines no wider than `max` px as `measure` measures them (at spaces; a longer word is cut). */
export function wrapText(text: string, max: number, measure: (s: string) => number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (measure(next) <= max) {
      line = next;
      continue;
    }
    if (line) out.push(line);
    line = word;
    while (measure(line) > max && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && measure(line.slice(0, cut)) > max) cut--;
      out.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) out.push(line);
  return out;
}

/** A chart of the page as an image, with the size it is drawn at. */
export interface ChartImage {
  id: string;
  url: string;
  width: number;
  height: number;
}

/** Every Plotly chart on the page, in page order, as PNG data URLs at its on-screen size (Plotly.toImage). */
export async function chartImages(): Promise<ChartImage[]> {
  const P = await loadPlotly();
  const out: ChartImage[] = [];
  for (const el of document.querySelectorAll<HTMLElement>('.js-plotly-plot[data-testid]')) {
    if (el.clientWidth === 0 || el.clientHeight === 0) continue; // not on screen
    const width = Math.max(200, el.clientWidth);
    const height = Math.max(120, el.clientHeight);
    out.push({ id: el.dataset.testid ?? '', url: await P.toImage(el, { format: 'png', width, height }), width, height });
  }
  return out;
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('a chart image could not be decoded'));
    img.src = url;
  });
}

/** The runs' colours, as the charts draw them (a key under the title). */
export function reportKey(objectives: ObjectiveName[]): { label: string; colour: string }[] {
  return objectives.map((o) => ({ label: objectiveSpec(o).label, colour: objectiveSpec(o).colour }));
}

/** Draws the header (title, the runs' colour key, the lines) and the charts onto one canvas; resolves the PNG and its size. */
export async function composeReport(
  title: string,
  lines: string[],
  charts: ChartImage[],
  key: { label: string; colour: string }[] = [],
): Promise<{ blob: Blob; width: number; height: number }> {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('the report needs a 2D canvas, which this browser did not give');
  const font = `${LINE_PX - 4}px system-ui, sans-serif`;
  ctx.font = font;
  const wrapped = lines.flatMap((l) => wrapText(l, REPORT_WIDTH - 2 * PAD, (s) => ctx.measureText(s).width));
  const headerBottom = PAD + TITLE_PX + 6 + wrapped.length * LINE_PX + GAP;
  const { places, bottom } = placeCharts(charts, headerBottom);
  canvas.width = REPORT_WIDTH;
  canvas.height = Math.max(bottom, headerBottom + PAD);
  ctx.fillStyle = '#f5f6f8';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#1d2330';
  ctx.textBaseline = 'top';
  ctx.font = `600 ${TITLE_PX - 6}px system-ui, sans-serif`;
  ctx.fillText(title, PAD, PAD);
  // The colour key, right of the title: a dot and the run's name each.
  let kx = PAD + ctx.measureText(title).width + 24;
  ctx.font = font;
  for (const k of key) {
    ctx.fillStyle = k.colour;
    ctx.beginPath();
    ctx.arc(kx + 6, PAD + 10, 6, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#1d2330';
    ctx.fillText(k.label, kx + 16, PAD + 3);
    kx += 16 + ctx.measureText(k.label).width + 18;
  }
  ctx.fillStyle = '#3d4557';
  wrapped.forEach((l, i) => ctx.fillText(l, PAD, PAD + TITLE_PX + 6 + i * LINE_PX));
  for (let i = 0; i < charts.length; i++) {
    const img = await loadImage(charts[i].url);
    const p = places[i];
    ctx.fillStyle = '#fff';
    ctx.fillRect(p.x, p.y, p.width, p.height);
    ctx.drawImage(img, p.x, p.y, p.width, p.height);
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not encode the report as PNG');
  return { blob, width: canvas.width, height: canvas.height };
}
