import { clampLogitScale, clipLogitScale, defineObjective, theta } from './objective';

/** CLIP: symmetric image–text InfoNCE with a learnable temperature. */
export const clip = defineObjective({
  name: 'clip',
  label: 'CLIP',
  colour: '#1f77b4',
  note: 'image–text InfoNCE, learnable t, trains a text tower',
  textTower: true,
  usesGraph: false,
  views: 1,
  scalars: [clipLogitScale()],
  defaultOn: true,
  recipe: { augmentRecipe: 'open_clip' },
  recipeWhy: "what CLIP is trained with (open_clip's training transform)",
  loss: (x) => x.losses.clipLoss(x.embedImages(x.views[0]), x.embedCaptions(x.captions), theta(x)),
  afterStep: clampLogitScale,
});
