import type * as TF from '../tf';
import { defineObjective, logitScale, theta } from './objective';

/** SigLIP: a sigmoid loss on every image–text pair, with a learnable scale and bias. */
export const siglip = defineObjective({
  name: 'siglip',
  label: 'SigLIP',
  colour: '#2ca02c',
  note: 'pairwise sigmoid image–text loss',
  textTower: true,
  usesGraph: false,
  views: 1,
  scalars: [logitScale((l) => Math.log(l.SIGLIP_INIT_SCALE)), { param: 'logit_bias', init: (l) => l.SIGLIP_INIT_BIAS, report: 'logitBias', read: (b) => b }],
  defaultOn: false,
  recipe: { augmentRecipe: 'open_clip' },
  recipeWhy: "open_clip's training transform (crops of 90-100%, no flip, no jitter), as SigLIP is trained in open_clip",
  loss: (x) => x.losses.sigLipLoss(x.embedImages(x.views[0]), x.embedCaptions(x.captions), theta(x), x.params.get('logit_bias') as TF.Scalar),
});
