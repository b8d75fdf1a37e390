import * as v from 'valibot';
import { describeIssues, finite, firstNonFinite, int, parseJson, parseWith } from '../data/validation';
import { AUGMENT_RECIPES, type BackendChoice, DEFAULT_SETTINGS, type GraphSource, type ModelConfig, type ObjectiveName, type TrainConfig, withDefaults } from './config';
import { OBJECTIVE_NAMES } from './registry';
import { validateConfig } from './settingsTable';
import type { ParamSnapshot } from './params';
import * as tf from './tf';

/**
 * Weights out and back in, DOM-free:
 *  - the TensorFlow.js format (model.json with a weights manifest + one .weights.bin, via tf.io.encodeWeights), with the
 *    config, objective and tokenizer vocabulary in `userDefinedMetadata`;
 *  - safetensors, with the image tower under timm's ViT names and layouts (so that it loads into
 *    timm.models.vision_transformer.VisionTransformer), the rest under this app's names.
 */

export const CHECKPOINT_FORMAT = 'xsample-playground-checkpoint/1';

export interface CheckpointMeta {
  format: string;
  config: TrainConfig;
  step: number;
  vocab?: string[]; // the text tower's tokenizer
  dataset?: string;
  createdAt: string;
}

export interface TfjsFiles {
  modelJson: string;
  weightsBin: Uint8Array;
  weightsName: string;
}

export async function exportTfjs(snapshot: Record<string, ParamSnapshot>, meta: CheckpointMeta, weightsName = 'model.weights.bin'): Promise<TfjsFiles> {
  const named = Object.entries(snapshot).map(([name, s]) => ({ name, tensor: tf.tensor(s.data, s.shape, 'float32') }));
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const modelJson = {
      format: CHECKPOINT_FORMAT,
      generatedBy: 'X-Sample Playground',
      convertedBy: null,
      modelTopology: null,
      weightsManifest: [{ paths: [weightsName], weights: specs }],
      userDefinedMetadata: meta,
    };
    const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
    return { modelJson: JSON.stringify(modelJson, null, 1), weightsBin: new Uint8Array(buf as ArrayBuffer), weightsName };
  } finally {
    for (const n of named) n.tensor.dispose();
  }
}

export class CheckpointError extends Error {}

// ---- the schema of an imported model.json ----

/** Every objective (from the registry), graph source and backend a checkpoint may name (the type checks that none is missing). */
const OBJECTIVES = OBJECTIVE_NAMES as readonly ObjectiveName[];
const GRAPHS = ['encoder', 'labels', 'tfidf', 'file'] as const satisfies readonly GraphSource[];
const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const satisfies readonly BackendChoice[];
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const complete: [Missing<GraphSource, (typeof GRAPHS)[number]>, Missing<BackendChoice, (typeof BACKENDS)[number]>] = [true, true];
void complete;

/** A section of the config as a strict object: the keys of its defaults, each of the default's type (optional). */
function sectionSchema(defaults: object, special: Record<string, v.GenericSchema> = {}) {
  const entries: Record<string, v.GenericSchema> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (typeof value === 'object') continue;
    const base = Object.hasOwn(special, key) ? special[key] : typeof value === 'number' ? finite : typeof value === 'boolean' ? v.boolean() : v.string();
    entries[key] = v.optional(base);
  }
  return entries;
}

/** The shape of a TrainConfig: no unknown key, every value of its type; ranges are validateConfig's. */
const ConfigShape = v.strictObject({
  ...sectionSchema(
    { ...DEFAULT_SETTINGS, objective: OBJECTIVES[0], augmentRecipe: AUGMENT_RECIPES[0] },
    { objective: v.picklist(OBJECTIVES), graph: v.picklist(GRAPHS), backend: v.picklist(BACKENDS), augmentRecipe: v.picklist(AUGMENT_RECIPES) },
  ),
  model: v.optional(v.strictObject(sectionSchema(DEFAULT_SETTINGS.model))),
  augment: v.optional(v.strictObject(sectionSchema(DEFAULT_SETTINGS.augment))),
});

const MAX_TENSOR_ELEMENTS = 2 ** 28;
const WeightSpec = v.object({
  name: v.pipe(v.string(), v.regex(/^[\w.\-/:]{1,200}$/, 'a tensor name of letters, digits, _ . - / :'), v.check((n) => n !== '__proto__', 'a tensor name other than __proto__')),
  shape: v.pipe(v.array(int(1, MAX_TENSOR_ELEMENTS)), v.maxLength(6)),
  dtype: v.literal('float32'),
});

const ModelJson = v.object({
  format: v.optional(v.unknown()),
  weightsManifest: v.pipe(v.array(v.object({ paths: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)), weights: v.array(WeightSpec) })), v.minLength(1)),
  userDefinedMetadata: v.object({
    format: v.literal(CHECKPOINT_FORMAT),
    config: v.unknown(),
    step: int(0, 10_000_000),
    vocab: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(1000))), v.maxLength(1_000_000))),
    dataset: v.optional(v.pipe(v.string(), v.maxLength(10_000))),
    createdAt: v.optional(v.string(), ''),
  }),
});

export type ModelJsonFile = v.InferOutput<typeof ModelJson>;

/**
 * model.json parsed and checked: written by this app, a manifest of float32 tensors with unique names, a step that
 * is a whole number, and a config of the right shape whose values validateConfig accepts. Every refusal names the
 * file and the field.
 */
export function parseModelJson(text: string, file = 'model.json'): { json: ModelJsonFile; meta: CheckpointMeta } {
  const raw = parseJson(text, file, CheckpointError);
  const udm = raw && typeof raw === 'object' && Object.hasOwn(raw, 'userDefinedMetadata') ? (raw as { userDefinedMetadata: unknown }).userDefinedMetadata : undefined;
  const fmt = udm && typeof udm === 'object' && Object.hasOwn(udm, 'format') ? (udm as { format: unknown }).format : undefined;
  if (fmt !== CHECKPOINT_FORMAT)
    throw new CheckpointError(`${file} was not written by this app (userDefinedMetadata.format is ${JSON.stringify(fmt) ?? 'absent'}); expected ${CHECKPOINT_FORMAT}`);
  const json = parseWith(ModelJson, raw, file, CheckpointError);
  const shape = v.safeParse(ConfigShape, json.userDefinedMetadata.config);
  if (!shape.success) throw new CheckpointError(describeIssues(file, shape.issues, 3, 'userDefinedMetadata.config'));
  const config = withDefaults(shape.output as Partial<TrainConfig>);
  const errors = validateConfig(config);
  if (errors.length > 0) throw new CheckpointError(`${file}: userDefinedMetadata.config: ${errors.join('; ')}`);
  const names = new Set<string>();
  for (const group of json.weightsManifest)
    for (const w of group.weights) {
      if (names.has(w.name)) throw new CheckpointError(`${file}: weightsManifest names tensor ${w.name} twice`);
      names.add(w.name);
    }
  const m = json.userDefinedMetadata;
  return { json, meta: { format: m.format, config, step: m.step, vocab: m.vocab, dataset: m.dataset, createdAt: m.createdAt } };
}

/** Reads model.json + its weights back into a snapshot; errors say what is wrong with the files. */
export function importTfjs(modelJsonText: string, weights: ArrayBuffer, files = { model: 'model.json', weights: 'the weights file' }): { meta: CheckpointMeta; snapshot: Record<string, ParamSnapshot> } {
  const { json, meta } = parseModelJson(modelJsonText, files.model);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.byteLength !== expected) throw new CheckpointError(`${files.weights} has ${weights.byteLength} bytes; ${files.model} describes ${expected}`);
  const snapshot: Record<string, ParamSnapshot> = {};
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(weights.slice(offset, offset + n * 4));
    offset += n * 4;
    const bad = firstNonFinite(data, 1);
    if (bad) throw new CheckpointError(`${files.weights}: tensor ${s.name} holds ${bad.value} at element ${bad.row}; every weight must be a finite number`);
    snapshot[s.name] = { shape: s.shape.slice(), data };
  }
  return { meta, snapshot };
}

/** Why a checkpoint cannot be used with a model config (empty when it can). */
export function configMismatch(saved: ModelConfig, current: ModelConfig): string[] {
  const keys: (keyof ModelConfig)[] = ['imageSize', 'patchSize', 'width', 'depth', 'heads', 'mlpRatio', 'projDim', 'textWidth', 'textDepth', 'maxTokens'];
  return keys.filter((k) => saved[k] !== current[k]).map((k) => `${k} is ${saved[k]} in the checkpoint but ${current[k]} in the current model`);
}

// ---------------------------------------------------------------------------------------------------------------
// safetensors

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * The image tower under timm's names and layouts ([out, in] matrices, fused qkv, conv patch embedding
 * [D, 3, P, P], pos_embed [1, N, D], head with a zero bias); other parameters keep this app's names and shapes.
 */
export function toTimmTensors(snapshot: Record<string, ParamSnapshot>, m: ModelConfig): Record<string, ParamSnapshot> {
  const out: Record<string, ParamSnapshot> = {};
  const get = (n: string) => {
    const s = snapshot[n];
    if (!s) throw new CheckpointError(`the snapshot lacks ${n}`);
    return s;
  };
  const D = m.width;
  const P = m.patchSize;
  const used = new Set<string>();
  const take = (n: string) => {
    used.add(n);
    return get(n);
  };
  // Patch embedding: ours (P·P·3, D) with row index (py·P + px)·3 + c; timm's conv weight (D, 3, P, P).
  const pe = take('visual.patch_embed.proj.weight').data;
  const conv = new Float32Array(D * 3 * P * P);
  for (let d = 0; d < D; d++)
    for (let c = 0; c < 3; c++)
      for (let py = 0; py < P; py++) for (let px = 0; px < P; px++) conv[((d * 3 + c) * P + py) * P + px] = pe[((py * P + px) * 3 + c) * D + d];
  out['patch_embed.proj.weight'] = { shape: [D, 3, P, P], data: conv };
  out['patch_embed.proj.bias'] = take('visual.patch_embed.proj.bias');
  const pos = take('visual.pos_embed');
  out.pos_embed = { shape: [1, ...pos.shape], data: pos.data };
  const linearT = (from: string, to: string) => {
    const w = take(`${from}.weight`);
    out[`${to}.weight`] = { shape: [w.shape[1], w.shape[0]], data: transpose2d(w.data, w.shape[0], w.shape[1]) };
    const b = snapshot[`${from}.bias`];
    if (b) {
      used.add(`${from}.bias`);
      out[`${to}.bias`] = b;
    }
  };
  for (let i = 0; i < m.depth; i++) {
    const v = `visual.blocks.${i}`;
    const t = `blocks.${i}`;
    for (const n of ['norm1', 'norm2']) {
      out[`${t}.${n}.weight`] = take(`${v}.${n}.weight`);
      out[`${t}.${n}.bias`] = take(`${v}.${n}.bias`);
    }
    const q = take(`${v}.attn.q.weight`);
    const k = take(`${v}.attn.k.weight`);
    const val = take(`${v}.attn.v.weight`);
    const qkv = new Float32Array(3 * D * D);
    [q, k, val].forEach((w, j) => qkv.set(transpose2d(w.data, D, D), j * D * D));
    out[`${t}.attn.qkv.weight`] = { shape: [3 * D, D], data: qkv };
    const qkvBias = new Float32Array(3 * D);
    ['q', 'k', 'v'].forEach((n, j) => qkvBias.set(take(`${v}.attn.${n}.bias`).data, j * D));
    out[`${t}.attn.qkv.bias`] = { shape: [3 * D], data: qkvBias };
    linearT(`${v}.attn.proj`, `${t}.attn.proj`);
    linearT(`${v}.mlp.fc1`, `${t}.mlp.fc1`);
    linearT(`${v}.mlp.fc2`, `${t}.mlp.fc2`);
  }
  out['norm.weight'] = take('visual.norm.weight');
  out['norm.bias'] = take('visual.norm.bias');
  linearT('visual.head', 'head');
  out['head.bias'] = { shape: [m.projDim], data: new Float32Array(m.projDim) };
  for (const [n, s] of Object.entries(snapshot)) if (!used.has(n)) out[n] = s;
  return out;
}

/** safetensors bytes: 8-byte little-endian header length, the JSON header (padded with spaces to 8 bytes), the data. */
export function encodeSafetensors(tensors: Record<string, ParamSnapshot>, metadata: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const n of names) {
    const bytes = tensors[n].data.length * 4;
    header[n] = { dtype: 'F32', shape: tensors[n].shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const n of names) {
    const d = tensors[n].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

export interface SafetensorsHeader {
  headerLength: number;
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
}

export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const { __metadata__, ...tensors } = json;
  return { headerLength: n, metadata: __metadata__ ?? {}, tensors };
}

/** The keyword arguments of timm's VisionTransformer that this image tower maps onto. */
export function timmKwargs(m: ModelConfig): Record<string, unknown> {
  return {
    img_size: m.imageSize,
    patch_size: m.patchSize,
    in_chans: 3,
    embed_dim: m.width,
    depth: m.depth,
    num_heads: m.heads,
    mlp_ratio: m.mlpRatio,
    qkv_bias: true,
    class_token: false,
    global_pool: 'avg',
    fc_norm: false,
    num_classes: m.projDim,
  };
}

// ---- the files beside the weights in a run zip: config.json (its origin), history.json, metrics.json ----

/** Where a run was trained: in this app, or by the PyTorch trainer (python/xsample_playground), which says so in config.json. */
export const RUN_ORIGINS = ['browser', 'pytorch'] as const;
export type RunOrigin = (typeof RUN_ORIGINS)[number];

/** A number, or null where JSON had no number for it (JSON.stringify writes NaN as null): NaN. */
const numberOrNaN = v.pipe(v.nullable(v.number()), v.transform((x) => x ?? NaN));
const optionalNumber = v.pipe(v.optional(v.nullable(v.number())), v.transform((x) => x ?? undefined));

/** config.json of a run zip: its origin (absent in exports older than the field: the browser), objective and step. */
const RunConfigJson = v.object({
  origin: v.optional(v.picklist(RUN_ORIGINS), 'browser'),
  objective: v.optional(v.picklist(OBJECTIVES)),
  step: v.optional(int(0, 10_000_000)),
});

const HistoryJson = v.pipe(
  v.array(v.object({ step: int(1, 10_000_000), loss: numberOrNaN, lr: numberOrNaN, ms: numberOrNaN, logitScale: optionalNumber })),
  v.maxLength(10_000_000),
);

const Ranks = v.object({ r1: numberOrNaN, r5: numberOrNaN, r10: numberOrNaN, meanRank: numberOrNaN, medianRank: numberOrNaN });
const optionalMetric = v.pipe(v.optional(v.nullable(v.number())), v.transform((x) => (x === null ? NaN : x)));
const MetricsJson = v.pipe(
  v.array(
    v.object({
      step: int(0, 10_000_000),
      heldOutLoss: numberOrNaN,
      knnTop1: optionalMetric,
      linearProbeTop1: optionalMetric,
      knnTop1Projected: optionalMetric,
      linearProbeTop1Projected: optionalMetric,
      retrieval: v.optional(v.object({ imageToText: Ranks, textToImage: Ranks })),
      graphSpearman: numberOrNaN,
      evaluated: int(0, 1_000_000_000),
    }),
  ),
  v.maxLength(1_000_000),
);

export type RunHistoryRow = v.InferOutput<typeof HistoryJson>[number];
export type RunMetricsRow = v.InferOutput<typeof MetricsJson>[number];

/**
 * The origin, loss history and metrics of a run zip, from its config.json, history.json and metrics.json (each
 * optional: absent, the browser, and none). An origin other than 'browser' or 'pytorch', an objective other than
 * the weights', or a malformed row is refused with the file and the field.
 */
export function parseRunFiles(
  texts: { config?: string; history?: string; metrics?: string },
  names: { config: string; history: string; metrics: string },
  objective: ObjectiveName,
): { origin: RunOrigin; history: RunHistoryRow[]; metrics: RunMetricsRow[] } {
  const config = texts.config === undefined ? { origin: 'browser' as const } : parseWith(RunConfigJson, parseJson(texts.config, names.config, CheckpointError), names.config, CheckpointError);
  if (config.objective !== undefined && config.objective !== objective)
    throw new CheckpointError(`${names.config}: objective is ${config.objective}, but the weights (model.json) are of ${objective}`);
  const history = texts.history === undefined ? [] : parseWith(HistoryJson, parseJson(texts.history, names.history, CheckpointError), names.history, CheckpointError);
  const metrics = texts.metrics === undefined ? [] : parseWith(MetricsJson, parseJson(texts.metrics, names.metrics, CheckpointError), names.metrics, CheckpointError);
  return { origin: config.origin, history, metrics };
}
