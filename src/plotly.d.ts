declare module 'plotly.js-dist-min' {
  // The parts of Plotly's API this app calls; data and layout follow Plotly's JSON schema.
  export type Data = Record<string, unknown>;
  export type Layout = Record<string, unknown>;
  export function react(root: HTMLElement, data: Data[], layout?: Layout, config?: Record<string, unknown>): Promise<HTMLElement>;
  export function newPlot(root: HTMLElement, data: Data[], layout?: Layout, config?: Record<string, unknown>): Promise<HTMLElement>;
  export function purge(root: HTMLElement): void;
  export const Plots: { resize(root: HTMLElement): Promise<void> };
  export function toImage(root: HTMLElement, opts: { format: 'png' | 'svg' | 'jpeg'; width?: number; height?: number }): Promise<string>;
  const Plotly: { react: typeof react; newPlot: typeof newPlot; purge: typeof purge; toImage: typeof toImage };
  export default Plotly;
}
