import { defineObjective, twoViewEmbeddings } from './objective';

/** SimCLR: NT-Xent on two views of each image; no captions. */
export const simclr = defineObjective({
  name: 'simclr',
  label: 'SimCLR',
  colour: '#9467bd',
  note: 'NT-Xent on two views, no captions',
  textTower: false,
  usesGraph: false,
  views: 2,
  scalars: [],
  defaultOn: false,
  recipe: {},
  recipeWhy: 'SimCLR’s own: two views need strong crops, flips and colour jitter',
  loss: (x) => x.losses.simClrLoss(twoViewEmbeddings(x), x.cfg.tau),
});
