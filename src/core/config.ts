/**
 * Every default of a run in one place, with the range each value may take.
 * The UI edits this object, the worker trains from it, and (later) the URL hash serialises it.
 */

/** 'xclip' is this product's extension (CLIP logits with X-Sample soft targets), not the paper's. */
export type ObjectiveName = 'clip' | 'xsample' | 'siglip' | 'simclr' | 'xclip';
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
  textWidth: number; // width of the text tower (CLIP and SigLIP only)
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

export interface TrainConfig {
  objective: ObjectiveName;
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
  evalEvery: number; // steps between two evaluations on the held-out split (and one at the end)
  vizEvery: number; // steps between two updates of the heatmaps and projections
  probeSize: number; // held-out samples in the heatmaps' probe batch
  model: ModelConfig;
  augment: AugmentConfig;
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

export const DEFAULT_CONFIG: TrainConfig = {
  objective: 'xsample',
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
  evalEvery: 50,
  vizEvery: 25,
  probeSize: 48,
  model: DEFAULT_MODEL,
  augment: DEFAULT_AUGMENT,
};

/** Inclusive ranges the UI and the worker enforce. */
export const LIMITS = {
  batchSize: [2, 512],
  steps: [1, 100000],
  lr: [1e-6, 1],
  warmupSteps: [0, 100000],
  weightDecay: [0, 1],
  tau: [0.01, 1],
  tauS: [0.001, 1],
  seed: [0, 2 ** 31 - 1],
  evalEvery: [1, 100000],
  vizEvery: [1, 100000],
  probeSize: [4, 64],
  imageSize: [8, 128],
  patchSize: [2, 32],
  width: [8, 512],
  depth: [1, 12],
  heads: [1, 16],
  mlpRatio: [1, 8],
  projDim: [2, 512],
} as const;

export function withDefaults(partial: DeepPartial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_CONFIG,
    ...(partial as Partial<TrainConfig>),
    model: { ...DEFAULT_MODEL, ...(partial.model ?? {}) },
    augment: { ...DEFAULT_AUGMENT, ...(partial.augment ?? {}) },
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/** Returns one message per invalid value; an empty list means the config is usable. */
export function validateConfig(c: TrainConfig): string[] {
  const errors: string[] = [];
  const check = (name: keyof typeof LIMITS, v: number) => {
    const [lo, hi] = LIMITS[name];
    if (!Number.isFinite(v) || v < lo || v > hi) errors.push(`${name} must be between ${lo} and ${hi} (got ${v})`);
  };
  check('batchSize', c.batchSize);
  check('steps', c.steps);
  check('lr', c.lr);
  check('warmupSteps', c.warmupSteps);
  check('weightDecay', c.weightDecay);
  check('tau', c.tau);
  check('tauS', c.tauS);
  check('seed', c.seed);
  check('evalEvery', c.evalEvery);
  check('vizEvery', c.vizEvery);
  check('probeSize', c.probeSize);
  const m = c.model;
  check('imageSize', m.imageSize);
  check('patchSize', m.patchSize);
  check('width', m.width);
  check('depth', m.depth);
  check('heads', m.heads);
  check('mlpRatio', m.mlpRatio);
  check('projDim', m.projDim);
  if (m.imageSize % m.patchSize !== 0) errors.push(`imageSize ${m.imageSize} is not a multiple of patchSize ${m.patchSize}`);
  if (m.width % m.heads !== 0) errors.push(`width ${m.width} is not a multiple of heads ${m.heads}`);
  if (m.textWidth % m.heads !== 0) errors.push(`textWidth ${m.textWidth} is not a multiple of heads ${m.heads}`);
  if (!Number.isInteger(c.batchSize)) errors.push(`batchSize must be a whole number (got ${c.batchSize})`);
  return errors;
}

/** Objectives that train a text tower next to the image tower. */
export function usesTextTower(objective: ObjectiveName): boolean {
  return objective === 'clip' || objective === 'siglip' || objective === 'xclip';
}

/** Objectives whose targets come from the caption graph. */
export function usesGraph(objective: ObjectiveName): boolean {
  return objective === 'xsample' || objective === 'xclip';
}

/** Objectives that need two augmented views of each image. */
export function usesTwoViews(objective: ObjectiveName): boolean {
  return objective === 'xsample' || objective === 'simclr';
}
