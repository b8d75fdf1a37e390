import { DEFAULT_OBJECTIVES, isObjectiveName, objectiveSpec, type ObjectiveName, type Recipe } from './registry';

/**
 * The settings and their defaults. The session's settings (Settings) are shared by every run of a comparison; one
 * run's config (TrainConfig) is the session's with its objective. Their ranges, URL keys and panel fields are the
 * table of settingsTable.ts.
 */

export type { ObjectiveName };
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** Where the X-Sample caption graph comes from. */
export type GraphSource = 'encoder' | 'labels' | 'tfidf' | 'file';

export interface ModelConfig {
  imageSize: number; // input side in pixels (square RGB images)
  patchSize: number; // side of one ViT patch; imageSize must be a multiple of it
  width: number; // transformer width D of the image tower
  depth: number; // number of transformer blocks in the image tower
  heads: number; // attention heads; width must be a multiple of it
  mlpRatio: number; // hidden size of each MLP = mlpRatio * width
  projDim: number; // size of the shared embedding space (after the projection head)
  textWidth: number; // width of the text tower (objectives that have one)
  textDepth: number; // blocks in the text tower
  maxTokens: number; // captions are cut or padded to this many word tokens
}

export interface AugmentConfig {
  minCropScale: number; // random resized crop keeps between this fraction of the area and all of it
  flipProb: number; // probability of a horizontal flip
  brightness: number; // brightness shift drawn from [-b, b] (images are in [0, 1])
  contrast: number; // contrast factor drawn from [1 - c, 1 + c]
  saturation: number; // saturation factor drawn from [1 - s, 1 + s]
}

/**
 * The augmentation recipes a run can train with: 'open_clip' is open_clip's training transform (RandomResizedCrop
 * with scale (0.9, 1) and ratio (3/4, 4/3), no flip, no colour jitter), what CLIP and SigLIP were trained with;
 * 'session' is the session's augmentation settings (Settings.augment: SimCLR-style by default, crops of 0.5-1 of
 * the area, flips and colour jitter), what SimCLR and X-Sample (X-CLR) were trained with.
 */
export const AUGMENT_RECIPES = ['open_clip', 'session'] as const;
export type AugmentRecipeName = (typeof AUGMENT_RECIPES)[number];

/** open_clip's image_transform(is_train=True) in this app's terms (its crop ratio (3/4, 4/3) is randomCropBox's). */
export const OPEN_CLIP_AUGMENT: AugmentConfig = {
  minCropScale: 0.9,
  flipProb: 0,
  brightness: 0,
  contrast: 0,
  saturation: 0,
};

/** The session's settings: what every run of a comparison shares. */
export interface Settings {
  batchSize: number; // images per step (X-Sample and SimCLR see 2 views of each)
  steps: number; // total optimiser steps of a run
  lr: number; // peak learning rate, reached after warm-up, then cosine decay to lr * minLrRatio
  minLrRatio: number;
  warmupSteps: number;
  weightDecay: number; // AdamW decoupled decay, applied to weight matrices only
  beta1: number;
  beta2: number;
  eps: number;
  tau: number; // X-Sample / SimCLR temperature of the learned similarities
  tauS: number; // X-Sample temperature of the caption graph
  graph: GraphSource; // sentence encoder on captions, class labels, TF-IDF of words, or the user's embeddings file
  centreGraph: boolean; // subtract the mean caption vector first (templated captions otherwise all look alike)
  seed: number; // seeds weights, batch order and augmentation
  backend: BackendChoice;
  wasmThreads: number; // WASM backend threads: 0 = automatic (one fewer than the cores, at most 8); read at page load
  evalEvery: number; // steps between two evaluations on the held-out split (and one at the end)
  vizEvery: number; // steps between two updates of the heatmaps and projections
  probeSize: number; // held-out samples in the heatmaps' probe batch
  model: ModelConfig;
  augment: AugmentConfig; // the session's augmentation: the two-view objectives', and every run's with sameAugment
  sameAugment: boolean; // every run trains with the session's augmentation (the strictly controlled comparison)
  clipScaleFromTau: boolean; // CLIP's (and xclip's) logit scale t starts at 1/tau instead of open_clip's 1/0.07
}

export const DEFAULT_MODEL: ModelConfig = {
  imageSize: 32,
  patchSize: 4,
  width: 64,
  depth: 2,
  heads: 4,
  mlpRatio: 2,
  projDim: 64,
  textWidth: 64,
  textDepth: 1,
  maxTokens: 12,
};

export const DEFAULT_AUGMENT: AugmentConfig = {
  minCropScale: 0.5,
  flipProb: 0.5,
  brightness: 0.2,
  contrast: 0.2,
  saturation: 0.2,
};

/** One run's config: the session's settings, the objective it trains and the augmentation recipe it uses. */
export interface TrainConfig extends Settings {
  objective: ObjectiveName;
  augmentRecipe: AugmentRecipeName;
}

export const DEFAULT_SETTINGS: Settings = {
  batchSize: 32,
  steps: 300,
  lr: 1e-3,
  minLrRatio: 0.05,
  warmupSteps: 20,
  weightDecay: 0.05,
  beta1: 0.9,
  beta2: 0.98, // as CLIP
  eps: 1e-6,
  tau: 0.1,
  tauS: 0.1,
  graph: 'encoder',
  centreGraph: true,
  seed: 0,
  backend: 'auto',
  wasmThreads: 0,
  evalEvery: 50,
  vizEvery: 25,
  probeSize: 48,
  model: DEFAULT_MODEL,
  augment: DEFAULT_AUGMENT,
  sameAugment: false,
  clipScaleFromTau: false,
};

/**
 * A run's config from the defaults and some changes (without an objective, the first default one; without an
 * augmentation recipe, the one its objective and sameAugment give).
 */
export function withDefaults(partial: DeepPartial<TrainConfig> = {}): TrainConfig {
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    ...(partial as Partial<Settings>),
    model: { ...DEFAULT_MODEL, ...(partial.model ?? {}) },
    augment: { ...DEFAULT_AUGMENT, ...(partial.augment ?? {}) },
  };
  const objective = partial.objective ?? DEFAULT_OBJECTIVES[0];
  const recipe = isObjectiveName(objective) ? objectiveSpec(objective).recipe : {};
  const cfg = runConfig(settings, objective, recipe);
  return partial.augmentRecipe === undefined ? cfg : { ...cfg, augmentRecipe: partial.augmentRecipe };
}

/** The session's part of a config (a run's config, or settings with a stray objective or recipe, lose them). */
export function sessionSettings(config: Settings): Settings {
  const { objective: _, augmentRecipe: __, ...settings } = config as TrainConfig;
  return settings;
}

/**
 * One run's config: the session's settings with the objective's recipe over them. The recipe's augmentation applies
 * unless the session says "same augmentation for every run" (sameAugment), when every run uses the session's.
 */
export function runConfig(settings: Settings, objective: ObjectiveName, recipe: Recipe = {}): TrainConfig {
  const { augmentRecipe = 'session', ...overrides } = recipe;
  return { ...sessionSettings(settings), ...overrides, objective, augmentRecipe: settings.sameAugment ? 'session' : augmentRecipe };
}

/** The augmentation a run trains with: its recipe's. */
export function runAugment(cfg: TrainConfig): AugmentConfig {
  return cfg.augmentRecipe === 'open_clip' ? OPEN_CLIP_AUGMENT : cfg.augment;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
