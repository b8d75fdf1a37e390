import type { AugmentRecipeName, Settings } from '../config';
import type * as Losses from '../objectives';
import type { Params } from '../params';
import type * as TF from '../tf';

/**
 * The maths an objective computes with, handed in by the model: the records import types only, so that the page
 * (which lists, labels and colours objectives) never bundles TensorFlow.js.
 */
export interface Maths {
  tf: typeof TF;
  losses: typeof Losses;
}

/** What an objective's loss is computed from: the batch's augmented views, its captions, the towers and its graph. */
export interface LossInputs extends Maths {
  cfg: Settings;
  params: Params;
  /** One augmented copy of the batch per view the objective asked for, each (B, S, S, 3). */
  views: TF.Tensor4D[];
  captions: string[];
  /** Unit image embeddings (n, projDim). */
  embedImages(images: TF.Tensor4D): TF.Tensor2D;
  /** Unit caption embeddings (n, projDim) from the text tower (objectives with `textTower` only). */
  embedCaptions(captions: readonly string[]): TF.Tensor2D;
  /** The (B, B) caption graph of the batch (objectives with `usesGraph` only). */
  graph(): TF.Tensor2D;
}

/** A learnable scalar of an objective (a logit scale or bias): its parameter, initial value and what is plotted. */
export interface ScalarSpec {
  param: string; // the name in Params (and in checkpoints)
  init: (losses: typeof Losses, cfg: Settings) => number; // the stored initial value
  report: string; // the key of the step report's scalars
  read: (stored: number) => number; // from the stored value to the reported one
}

/**
 * Per-run settings an objective trains with in place of the session's: today its augmentation recipe (which the
 * session's "same augmentation for every run" overrides); absent, the session's augmentation.
 */
export type Recipe = Readonly<Partial<Pick<Settings, 'lr' | 'weightDecay' | 'tau' | 'tauS' | 'warmupSteps'>> & { augmentRecipe?: AugmentRecipeName }>;

/**
 * One contrastive objective, complete: what the model builds for it, its loss, what the UI calls and draws it as.
 * Adding an objective is one such record (a file in this folder) and its entry in the list of index.ts.
 */
export interface ObjectiveSpec<N extends string = string> {
  name: N; // the id in URLs, events, files and test ids
  label: string; // what the UI calls it
  colour: string; // its colour in every chart
  note: string; // one line for the settings panel
  textTower: boolean; // trains a text tower next to the image tower
  usesGraph: boolean; // its targets come from the caption graph
  views: 1 | 2; // augmented views of each image per step
  scalars: readonly ScalarSpec[];
  defaultOn: boolean; // compared when a link names no objectives
  recipe: Recipe;
  recipeWhy: string; // one sentence: why this recipe (what the objective's authors trained with)
  loss(inputs: LossInputs): TF.Scalar;
  /** After each optimiser step, on the device (no read-back); for example clamping a logit scale. */
  afterStep?(params: Params, maths: Maths): void;
}

/** Keeps the literal name of a record (so that ObjectiveName is the union of the records' names). */
export function defineObjective<N extends string>(spec: ObjectiveSpec<N>): ObjectiveSpec<N> {
  return spec;
}

/** CLIP's learnable logit scale θ, stored as θ and reported as t = exp(θ). */
export function logitScale(init: ScalarSpec['init']): ScalarSpec {
  return { param: 'logit_scale', init, report: 'logitScale', read: Math.exp };
}

/**
 * CLIP's logit scale (CLIP's and xclip's): it starts at open_clip's t = 1/0.07, or at X-Sample's 1/τ with the
 * session's clipScaleFromTau (then both kinds of run start equally sharp).
 */
export function clipLogitScale(): ScalarSpec {
  return logitScale((l, cfg) => (cfg.clipScaleFromTau ? Math.log(1 / cfg.tau) : l.CLIP_INIT_LOG_SCALE));
}

/** The logit scale θ of the params. */
export function theta(x: LossInputs): TF.Scalar {
  return x.params.get('logit_scale') as TF.Scalar;
}

/** open_clip clamps θ to [0, ln 100] after every step. */
export function clampLogitScale(params: Params, { tf, losses }: Maths): void {
  const t = params.get('logit_scale');
  tf.tidy(() => t.assign(tf.clipByValue(t, losses.clampLogScale(-Infinity), losses.clampLogScale(Infinity))));
}

/** The image embeddings of the two views stacked, (2B, projDim): [view A; view B]. */
export function twoViewEmbeddings(x: LossInputs): TF.Tensor2D {
  return x.embedImages(x.tf.concat(x.views, 0) as TF.Tensor4D);
}
