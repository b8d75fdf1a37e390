import { defineObjective, twoViewEmbeddings } from './objective';

/** X-Sample (X-CLR): soft image–image targets from the caption graph over two views of each image. */
export const xsample = defineObjective({
  name: 'xsample',
  label: 'X-Sample',
  colour: '#d62728',
  note: 'X-CLR: soft targets from the caption graph, image tower only',
  textTower: false,
  usesGraph: true,
  views: 2,
  scalars: [],
  defaultOn: true,
  recipe: {},
  recipeWhy: 'what X-CLR trains its two views with (SimCLR-style)',
  loss: (x) => x.losses.xSampleLoss(twoViewEmbeddings(x), x.losses.twoViewGraph(x.graph()), x.cfg.tau, x.cfg.tauS),
});
