import { DEFAULT_CONFIG, type BackendChoice, type GraphSource, type ObjectiveName, type TrainConfig, withDefaults } from '../core/config';

/**
 * The run's config (not the data) in the URL hash, so that a link reproduces a run:
 * #objectives=clip,xsample&steps=300&batch=32&lr=0.001&tau=0.1&tauS=0.1&seed=0&width=64&depth=2&backend=auto
 */
const OBJECTIVES: ObjectiveName[] = ['clip', 'xsample', 'siglip', 'simclr', 'xclip'];
const GRAPHS: GraphSource[] = ['encoder', 'labels', 'tfidf', 'file'];
const BACKENDS: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface UrlState {
  config: TrainConfig;
  objectives: ObjectiveName[];
  data?: 'demo' | 'shapes'; // the data the page opens with (the demo set unless the link says shapes)
}

export const DEFAULT_OBJECTIVES: ObjectiveName[] = ['clip', 'xsample'];

export function parseHash(hash: string): UrlState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const num = (key: string, fallback: number) => {
    const v = q.get(key);
    const n = v === null ? NaN : Number(v);
    return Number.isFinite(n) ? n : fallback;
  };
  const d = DEFAULT_CONFIG;
  const backend = q.get('backend') as BackendChoice | null;
  const objectives = (q.get('objectives') ?? '').split(',').filter((o): o is ObjectiveName => OBJECTIVES.includes(o as ObjectiveName));
  const config = withDefaults({
    steps: num('steps', d.steps),
    batchSize: num('batch', d.batchSize),
    lr: num('lr', d.lr),
    tau: num('tau', d.tau),
    tauS: num('tauS', d.tauS),
    seed: num('seed', d.seed),
    warmupSteps: num('warmup', d.warmupSteps),
    evalEvery: num('evalEvery', d.evalEvery),
    vizEvery: num('vizEvery', d.vizEvery),
    probeSize: num('probe', d.probeSize),
    graph: GRAPHS.includes(q.get('graph') as GraphSource) ? (q.get('graph') as GraphSource) : d.graph,
    centreGraph: q.has('centre') ? q.get('centre') !== '0' : d.centreGraph,
    backend: backend && BACKENDS.includes(backend) ? backend : d.backend,
    model: {
      imageSize: num('image', d.model.imageSize),
      patchSize: num('patch', d.model.patchSize),
      width: num('width', d.model.width),
      depth: num('depth', d.model.depth),
      heads: num('heads', d.model.heads),
    },
  });
  return { config, objectives: objectives.length > 0 ? objectives : DEFAULT_OBJECTIVES, data: q.get('data') === 'shapes' ? 'shapes' : 'demo' };
}

export function toHash({ config: c, objectives, data }: UrlState): string {
  const q = new URLSearchParams({
    ...(data === 'shapes' ? { data } : {}),
    objectives: objectives.join(','),
    steps: String(c.steps),
    batch: String(c.batchSize),
    lr: String(c.lr),
    tau: String(c.tau),
    tauS: String(c.tauS),
    seed: String(c.seed),
    warmup: String(c.warmupSteps),
    evalEvery: String(c.evalEvery),
    vizEvery: String(c.vizEvery),
    probe: String(c.probeSize),
    graph: c.graph,
    centre: c.centreGraph ? '1' : '0',
    image: String(c.model.imageSize),
    patch: String(c.model.patchSize),
    width: String(c.model.width),
    depth: String(c.model.depth),
    heads: String(c.model.heads),
    backend: c.backend,
  });
  return `#${q.toString()}`;
}
