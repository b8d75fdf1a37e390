import type { AugmentConfig, ModelConfig, Settings } from './config';

/**
 * Every setting of a session as one row: its key (in the URL hash and as a flag of `npm run experiment`), where it
 * lives in Settings, its type and range, and (for those the settings panel shows) its label. Parsing and writing
 * the URL, the panel's fields, the runner's flags and validateConfig all loop over this table, so a new setting is
 * one line (as in the TensorFlow Playground's state.ts).
 */

type Path = readonly [Exclude<keyof Settings, 'model' | 'augment'>] | readonly ['model', keyof ModelConfig] | readonly ['augment', keyof AugmentConfig];

interface Panel {
  section: 'graph' | 'training' | 'recipes';
  label: string;
  hint: string;
  step?: number; // of a number input
  choiceLabels?: readonly string[]; // of a select, one per choice
}

interface Common {
  key: string;
  path: Path;
  panel?: Panel;
}
export type NumberField = Common & { kind: 'int' | 'real'; range: readonly [number, number] };
export type Field = NumberField | (Common & { kind: 'bool' }) | (Common & { kind: 'choice'; choices: readonly string[] });

const int = (key: string, path: Path, lo: number, hi: number, panel?: Panel): Field => ({ key, path, kind: 'int', range: [lo, hi], panel });
const real = (key: string, path: Path, lo: number, hi: number, panel?: Panel): Field => ({ key, path, kind: 'real', range: [lo, hi], panel });
const train = (label: string, hint: string, step = 1): Panel => ({ section: 'training', label, hint, step });
const recipes = (label: string, hint: string, step = 0.05): Panel => ({ section: 'recipes', label, hint, step });
const MANY = 100000;

export const FIELDS: readonly Field[] = [
  int('steps', ['steps'], 1, MANY, train('Steps', 'optimiser steps per run', 10)),
  int('batch', ['batchSize'], 2, 512, train('Batch', 'images per step (X-Sample sees 2 views of each)')),
  real('lr', ['lr'], 1e-6, 1, train('Learning rate', 'peak, after warm-up; cosine decay after', 0.0001)),
  real('tau', ['tau'], 0.01, 1, train('τ', 'temperature of learned similarities (X-Sample, SimCLR)', 0.01)),
  real('tauS', ['tauS'], 0.001, 1, train('τ_s', 'temperature of the caption graph (X-Sample)', 0.01)),
  int('seed', ['seed'], 0, 2 ** 31 - 1, train('Seed', 'weights, batch order and augmentation')),
  int('evalEvery', ['evalEvery'], 1, MANY, train('Evaluate every', 'steps between held-out evaluations', 10)),
  int('warmup', ['warmupSteps'], 0, MANY),
  int('vizEvery', ['vizEvery'], 1, MANY),
  int('probe', ['probeSize'], 4, 64),
  {
    key: 'graph',
    path: ['graph'],
    kind: 'choice',
    choices: ['encoder', 'labels', 'tfidf', 'file'],
    panel: {
      section: 'graph',
      label: 'caption graph source',
      hint: 'where the X-Sample targets come from',
      choiceLabels: ['Sentence encoder on captions (USE lite)', 'Class labels (+ encoder on class names)', 'TF-IDF of caption words (no model)', 'My embeddings file (.npy / .json / .csv)'],
    },
  },
  { key: 'centre', path: ['centreGraph'], kind: 'bool', panel: { section: 'graph', label: 'centre vectors', hint: 'subtract the mean caption vector: templated captions otherwise all look alike' } },
  int('image', ['model', 'imageSize'], 8, 128),
  int('patch', ['model', 'patchSize'], 2, 32),
  int('width', ['model', 'width'], 8, 512, train('Width', 'transformer width of the ViT')),
  int('depth', ['model', 'depth'], 1, 12, train('Depth', 'transformer blocks')),
  int('heads', ['model', 'heads'], 1, 16, train('Heads', 'attention heads')),
  {
    key: 'backend',
    path: ['backend'],
    kind: 'choice',
    choices: ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'],
    panel: { section: 'training', label: 'Backend', hint: 'auto picks WebGPU on a real GPU adapter and WASM otherwise' },
  },
  int('threads', ['wasmThreads'], 0, 8), // 0: automatic; where the page is cross-origin isolated
  real('minLr', ['minLrRatio'], 0, 1),
  real('weightDecay', ['weightDecay'], 0, 1),
  real('beta1', ['beta1'], 0, 0.9999),
  real('beta2', ['beta2'], 0, 0.9999),
  real('eps', ['eps'], 1e-12, 1e-2),
  real('mlpRatio', ['model', 'mlpRatio'], 1, 8),
  int('projDim', ['model', 'projDim'], 2, 512),
  int('textWidth', ['model', 'textWidth'], 8, 512),
  int('textDepth', ['model', 'textDepth'], 1, 12),
  int('maxTokens', ['model', 'maxTokens'], 1, 77),
  {
    key: 'sameAug',
    path: ['sameAugment'],
    kind: 'bool',
    panel: recipes('Same augmentation for every run', "every run trains with the session's augmentation below: the strictly controlled comparison"),
  },
  {
    key: 'tFromTau',
    path: ['clipScaleFromTau'],
    kind: 'bool',
    panel: recipes("CLIP's t starts at X-Sample's 1/τ", "CLIP's (and xclip's) learnable logit scale starts at 1/τ instead of open_clip's 1/0.07"),
  },
  real('minCrop', ['augment', 'minCropScale'], 0.05, 1, recipes('Crop min area', "session's augmentation: random resized crops keep this fraction of the area or more")),
  real('flip', ['augment', 'flipProb'], 0, 1, recipes('Flip', "session's augmentation: probability of a horizontal flip")),
  real('brightness', ['augment', 'brightness'], 0, 1, recipes('Brightness', "session's augmentation: shift drawn from [-b, b]")),
  real('contrast', ['augment', 'contrast'], 0, 1, recipes('Contrast', "session's augmentation: factor drawn from [1 - c, 1 + c]")),
  real('saturation', ['augment', 'saturation'], 0, 1, recipes('Saturation', "session's augmentation: factor drawn from [1 - s, 1 + s]")),
];

const BY_KEY: ReadonlyMap<string, Field> = new Map(FIELDS.map((f) => [f.key, f]));

/** The name of a setting in Settings (its last path part): what the panel's test ids and validateConfig say. */
export function fieldName(f: Field): string {
  return f.path[f.path.length - 1];
}

export function getField(s: Settings, f: Field): number | boolean | string {
  const [a, b] = f.path;
  return b === undefined ? s[a as keyof Settings] as number | boolean | string : (s[a as 'model'] as unknown as Record<string, number>)[b];
}

export function setField(s: Settings, f: Field, value: number | boolean | string): Settings {
  const [a, b] = f.path;
  if (b === undefined) return { ...s, [a]: value };
  return { ...s, [a]: { ...(s[a as 'model'] as object), [b]: value } };
}

/** What the field allows, for messages: "a whole number between 1 and 12", "one of auto, wasm". */
export function allowed(f: Field): string {
  switch (f.kind) {
    case 'int':
      return `a whole number between ${f.range[0]} and ${f.range[1]}`;
    case 'real':
      return `between ${f.range[0]} and ${f.range[1]}`;
    case 'bool':
      return '1 or 0';
    case 'choice':
      return `one of ${f.choices.join(', ')}`;
  }
}

/** Why a value does not fit the field, naming it and what it allows; undefined when it fits. */
export function refusal(f: Field, v: unknown, name = fieldName(f)): string | undefined {
  const ok =
    f.kind === 'bool'
      ? typeof v === 'boolean'
      : f.kind === 'choice'
        ? typeof v === 'string' && f.choices.includes(v)
        : typeof v === 'number' && Number.isFinite(v) && v >= f.range[0] && v <= f.range[1] && (f.kind === 'real' || Number.isInteger(v));
  return ok ? undefined : `${name} must be ${allowed(f)} (got ${typeof v === 'string' ? JSON.stringify(v) : String(v)})`;
}

/** A value from its text in a URL or on a command line (undefined where it is no value of that kind). */
function fromText(f: Field, text: string): number | boolean | string {
  if (f.kind === 'bool') return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : text;
  if (f.kind === 'choice') return text;
  return text.trim() === '' ? NaN : Number(text);
}

function toText(v: number | boolean | string): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/**
 * Settings from key/value text (a URL hash's, or the runner's flags) over `base`. Every key must be a field's and
 * every value must fit it: the others are refused with a message naming the key and what it allows, and `base`'s
 * value is kept.
 */
export function parseSettings(entries: Iterable<[string, string]>, base: Settings): { settings: Settings; errors: string[] } {
  let settings = base;
  const errors: string[] = [];
  for (const [key, text] of entries) {
    const f = BY_KEY.get(key);
    if (!f) {
      errors.push(`unknown setting ${JSON.stringify(key)}: one of ${FIELDS.map((x) => x.key).join(', ')}`);
      continue;
    }
    const value = fromText(f, text);
    const refused = refusal(f, value, key);
    if (refused) errors.push(refused.replace(/\(got .*\)$/, `(got ${JSON.stringify(text)})`));
    else settings = setField(settings, f, value);
  }
  return { settings, errors };
}

/** Every field's key and value as text, in the table's order (parseSettings reads them back). */
export function settingsEntries(s: Settings): [string, string][] {
  return FIELDS.map((f) => [f.key, toText(getField(s, f))]);
}

/** One message per invalid value, from the table, and the constraints between values; none: the settings are usable. */
export function validateConfig(s: Settings): string[] {
  const errors = FIELDS.map((f) => refusal(f, getField(s, f))).filter((e) => e !== undefined);
  const m = s.model;
  if (m.imageSize % m.patchSize !== 0) errors.push(`imageSize ${m.imageSize} is not a multiple of patchSize ${m.patchSize}`);
  if (m.width % m.heads !== 0) errors.push(`width ${m.width} is not a multiple of heads ${m.heads}`);
  if (m.textWidth % m.heads !== 0) errors.push(`textWidth ${m.textWidth} is not a multiple of heads ${m.heads}`);
  if (!Number.isInteger(m.mlpRatio * m.width)) errors.push(`mlpRatio ${m.mlpRatio} times width ${m.width} is not a whole number of hidden units`);
  return errors;
}
