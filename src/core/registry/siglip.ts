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
  recipeWhy: 'what SigLIP is trained with in open_clip',
  loss: (x) => x.losses.sigLipLoss(x.embedImages(x.views[0]), x.embedCaptions(x.captions), theta(x), x.params.get('logit_bias') as TF.Scalar),
});
