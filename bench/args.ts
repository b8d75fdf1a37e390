// Flags of the Node training-step bench (bench/nodeStep.ts), the same names as `npm run bench` (scripts/bench.mjs).
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL, type ObjectiveName } from '../src/core/config';

export const NODE_BENCH_BACKENDS = ['webgpu', 'wasm'] as const;
export type NodeBenchBackend = (typeof NODE_BENCH_BACKENDS)[number];
const OBJECTIVES: readonly ObjectiveName[] = ['clip', 'xsample', 'siglip', 'simclr', 'xclip'];

export interface NodeBenchArgs {
  batch: number;
  width: number;
  depth: number;
  heads: number;
  image: number;
  patch: number;
  /** Width of the text tower (CLIP): it too must be a multiple of heads. */
  textWidth: number;
  steps: number;
  objectives: ObjectiveName[];
  backends: NodeBenchBackend[];
  json?: string;
  /** Folder holding the tfjs-backend-wasm .wasm files (default: beside the bundle, else node_modules). */
  wasmDir?: string;
  /** Options for Dawn's `create` (comma-separated toggles are one option each: separate options with ';'). */
  dawn: string[];
  /** Kernels listed by total time. */
  top: number;
  /** WASM matrix products: the app's SIMD kernel (src/core/kernels/wasmMatMul.ts) or tfjs's own, for a before/after. */
  wasmMatMul: 'simd' | 'tfjs';
  /** The fused kernels (src/core/kernels) on, or off for the composite ops, for a before/after. */
  fusion: 'on' | 'off';
  /** tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: dispatches recorded before a command buffer is submitted (tfjs: 15). */
  submitBatch?: number;
}

export const DEFAULT_DAWN_OPTIONS = ['disable-dawn-features=timestamp_quantization'];

const positiveInt = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1 (got '${v}')`);
  return n;
};

function list<T extends string>(name: string, v: string, allowed: readonly T[]): T[] {
  const items = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
  if (items.length === 0) throw new Error(`--${name} names nothing`);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0) throw new Error(`--${name}: unknown ${bad.join(', ')} (choose among ${allowed.join(', ')})`);
  return items as T[];
}

/** Parses the command line (without node and the script); throws an Error whose message says what is wrong. */
export function parseNodeBenchArgs(argv: string[]): NodeBenchArgs {
  const { values: a } = parseArgs({
    args: argv,
    strict: true,
    options: {
      batch: { type: 'string', default: '32' },
      width: { type: 'string', default: '64' },
      depth: { type: 'string', default: '2' },
      heads: { type: 'string', default: '4' },
      image: { type: 'string', default: '32' },
      patch: { type: 'string', default: '4' },
      'text-width': { type: 'string', default: String(DEFAULT_MODEL.textWidth) },
      steps: { type: 'string', default: '10' },
      objectives: { type: 'string', default: 'clip,xsample' },
      backends: { type: 'string', default: 'webgpu,wasm' },
      json: { type: 'string' },
      'wasm-dir': { type: 'string' },
      dawn: { type: 'string' },
      top: { type: 'string', default: '10' },
      'wasm-matmul': { type: 'string', default: 'simd' },
      fusion: { type: 'string', default: 'on' },
      'submit-batch': { type: 'string' },
    },
  });
  const args: NodeBenchArgs = {
    batch: positiveInt('batch', a.batch),
    width: positiveInt('width', a.width),
    depth: positiveInt('depth', a.depth),
    heads: positiveInt('heads', a.heads),
    image: positiveInt('image', a.image),
    patch: positiveInt('patch', a.patch),
    textWidth: positiveInt('text-width', a['text-width']),
    steps: positiveInt('steps', a.steps),
    objectives: list('objectives', a.objectives, OBJECTIVES),
    backends: list('backends', a.backends, NODE_BENCH_BACKENDS),
    json: a.json,
    wasmDir: a['wasm-dir'],
    dawn: a.dawn === undefined ? DEFAULT_DAWN_OPTIONS : a.dawn.split(';').map((s) => s.trim()).filter(Boolean),
    top: positiveInt('top', a.top),
    wasmMatMul: list('wasm-matmul', a['wasm-matmul'], ['simd', 'tfjs'] as const)[0],
    fusion: list('fusion', a.fusion, ['on', 'off'] as const)[0],
    submitBatch: a['submit-batch'] === undefined ? undefined : positiveInt('submit-batch', a['submit-batch']),
  };
  if (args.image % args.patch !== 0) throw new Error(`--image ${args.image} is not a multiple of --patch ${args.patch}`);
  if (args.width % args.heads !== 0) throw new Error(`--width ${args.width} is not a multiple of --heads ${args.heads}`);
  if (args.textWidth % args.heads !== 0) throw new Error(`--text-width ${args.textWidth} is not a multiple of --heads ${args.heads}`);
  return args;
}
