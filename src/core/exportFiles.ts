/**
 * Plain-text exports, DOM-free: TensorFlow Embedding Projector files (vectors.tsv, metadata.tsv, sprite layout,
 * projector_config.pbtxt), the projected 2-D points and the loss history as CSV.
 */
import type { HistoryRow } from './trainer';

export interface SampleRows {
  ids: string[];
  captions: string[];
  labels: string[];
}

/**
 * A text cell a spreadsheet will not run: text starting with =, +, -, @, a tab or a carriage return is a formula to
 * Excel, LibreOffice and Google Sheets (OWASP "CSV injection"), so it gets a leading apostrophe, which they show as
 * text. Numbers are never passed through this (a negative coordinate stays a number).
 */
export function spreadsheetText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** TSV-safe text cell: not a formula; tabs and line breaks become spaces. */
function cell(s: string): string {
  return spreadsheetText(s).replace(/[\t\r\n]+/g, ' ');
}

/** CSV-safe cell (RFC 4180 quoting where needed); text is neutralised as a formula, numbers are written as they are. */
function csvCell(s: string | number): string {
  const t = typeof s === 'number' ? String(s) : spreadsheetText(s);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function vectorsTsv(vectors: Float32Array, dim: number): string {
  const n = vectors.length / dim;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(Array.from(vectors.subarray(i * dim, (i + 1) * dim), (v) => v.toPrecision(6)).join('\t'));
  return `${lines.join('\n')}\n`;
}

/** With a header row (the Projector reads the first row as column names when there are several columns). */
export function metadataTsv(rows: SampleRows): string {
  const lines = ['caption\tlabel\tfile'];
  rows.captions.forEach((c, i) => lines.push(`${cell(c)}\t${cell(rows.labels[i] || '')}\t${cell(rows.ids[i])}`));
  return `${lines.join('\n')}\n`;
}

/** The sprite is a square grid of thumbnails, row-major, as the Projector expects. */
export function spriteGrid(n: number, thumb: number): { columns: number; width: number; height: number } {
  const columns = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { columns, width: columns * thumb, height: columns * thumb };
}

export function projectorConfig(tensorName: string, n: number, dim: number, thumb: number): string {
  return [
    'embeddings {',
    `  tensor_name: "${tensorName}"`,
    `  tensor_shape: ${n}`,
    `  tensor_shape: ${dim}`,
    '  tensor_path: "vectors.tsv"',
    '  metadata_path: "metadata.tsv"',
    '  sprite {',
    '    image_path: "sprite.png"',
    `    single_image_dim: ${thumb}`,
    `    single_image_dim: ${thumb}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export function pointsCsv(points: Float32Array, rows: SampleRows): string {
  const lines = ['file,caption,label,x,y'];
  rows.ids.forEach((id, i) => lines.push([id, rows.captions[i], rows.labels[i] || '', points[i * 2], points[i * 2 + 1]].map(csvCell).join(',')));
  return `${lines.join('\n')}\n`;
}

export function historyCsv(history: HistoryRow[]): string {
  const lines = ['step,loss,lr,ms,logit_scale'];
  for (const h of history) lines.push([h.step, h.loss, h.lr, h.ms.toFixed(2), h.logitScale ?? ''].join(','));
  return `${lines.join('\n')}\n`;
}

export function metricsCsv(metrics: { step: number; heldOutLoss: number; knnTop1?: number; linearProbeTop1?: number; knnTop1Projected?: number; linearProbeTop1Projected?: number; graphSpearman: number; retrieval?: { imageToText: { r1: number; r5: number; r10: number }; textToImage: { r1: number; r5: number; r10: number } } }[]): string {
  // k-NN and probe on the pooled backbone features, then on the projected embedding.
  const lines = ['step,held_out_loss,knn_top1,linear_probe_top1,knn_top1_projection,linear_probe_top1_projection,graph_spearman,i2t_r1,i2t_r5,i2t_r10,t2i_r1,t2i_r5,t2i_r10'];
  for (const m of metrics) {
    const r = m.retrieval;
    lines.push(
      [m.step, m.heldOutLoss, m.knnTop1 ?? '', m.linearProbeTop1 ?? '', m.knnTop1Projected ?? '', m.linearProbeTop1Projected ?? '', m.graphSpearman, r?.imageToText.r1 ?? '', r?.imageToText.r5 ?? '', r?.imageToText.r10 ?? '', r?.textToImage.r1 ?? '', r?.textToImage.r5 ?? '', r?.textToImage.r10 ?? ''].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
