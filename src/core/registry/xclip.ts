import { clampLogitScale, clipLogitScale, defineObjective, theta } from './objective';

/** Image–text X-Sample: this product's extension, not the paper's (CLIP's logits, soft targets from the caption graph). */
export const xclip = defineObjective({
  name: 'xclip',
  label: 'X-Sample image–text (ours)',
  colour: '#ff7f0e',
  note: "this product's extension, not the paper's: CLIP logits with soft targets from the caption graph",
  textTower: true,
  usesGraph: true,
  views: 1,
  scalars: [clipLogitScale()],
  defaultOn: false,
  recipe: { augmentRecipe: 'open_clip' },
  recipeWhy: "CLIP's, so that against CLIP only the targets differ",
  loss: (x) => x.losses.xClipLoss(x.embedImages(x.views[0]), x.embedCaptions(x.captions), theta(x), x.graph(), x.cfg.tauS),
  afterStep: clampLogitScale,
});
