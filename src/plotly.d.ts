declare module 'plotly.js-dist-min' {
  // The parts of Plotly's API this app calls; data and layout follow Plotly's JSON schema.
  export type Data = Record<string, unknown>;
  export type Layout = Record<string, unknown>;
  export function react(root: HTMLElement, data: Data[], layout?: Layout, config?: Record<string, unknown>): Promise<HTMLElement>;
  export function purge(root: HTMLElement): void;
  const Plotly: { react: typeof react; purge: typeof purge };
  export default Plotly;
}
