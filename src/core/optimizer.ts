import type { Params, ParamSnapshot } from './params';
import { adamWInPlace, adamWInPlaceWasm } from './kernels/adamw';
import { fusedBackend } from './kernels/webgpu';
import * as tf from './tf';

/**
 * AdamW (Loshchilov & Hutter): Adam moments with bias correction and decoupled weight decay on the parameters in
 * `params.decayed`. tfjs ships Adam without decoupled decay, hence this small class.
 */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class AdamW {
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();
  t = 0;

  constructor(
    private readonly params: Params,
    private readonly opts: AdamWOptions,
  ) {}

  /** One update with learning rate lr from gradients keyed by variable name (tf.variableGrads' names). */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const fused = fusedBackend();
    if (fused) {
      // One in-place update per parameter of m, v and w together (kernels/adamw.ts): a compute dispatch on WebGPU,
      // a JS loop over the heap on WASM.
      const inPlace = fused === 'wasm' ? adamWInPlaceWasm : adamWInPlace;
      const step = { lr, beta1, beta2, eps, c1, c2 };
      for (const [name, w] of this.params.vars) {
        const g = grads.get(name);
        if (!g) continue;
        const decay = weightDecay > 0 && this.params.decayed.has(name) ? weightDecay : 0;
        inPlace(w, this.slot(this.m, name, w), this.slot(this.v, name, w), g, decay, step);
      }
      return;
    }
    tf.tidy(() => {
      for (const [name, w] of this.params.vars) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.slot(this.m, name, w);
        const v = this.slot(this.v, name, w);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        if (weightDecay > 0 && this.params.decayed.has(name)) update = tf.add(update, tf.mul(w, weightDecay));
        w.assign(tf.sub(w, tf.mul(update, lr)));
      }
    });
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (!s) {
      const init = tf.zerosLike(like);
      s = tf.variable(init, false);
      init.dispose(); // the variable keeps its own reference: it is then the only owner of its buffer
      map.set(name, s);
    }
    return s;
  }

  async snapshot(): Promise<{ t: number; m: Record<string, ParamSnapshot>; v: Record<string, ParamSnapshot> }> {
    const read = async (map: Map<string, tf.Variable>) => {
      const out: Record<string, ParamSnapshot> = {};
      for (const [k, s] of map) out[k] = { shape: s.shape.slice(), data: (await s.data()) as Float32Array };
      return out;
    };
    return { t: this.t, m: await read(this.m), v: await read(this.v) };
  }

  restore(snap: { t: number; m: Record<string, ParamSnapshot>; v: Record<string, ParamSnapshot> }): void {
    this.dispose();
    this.t = snap.t;
    const write = (map: Map<string, tf.Variable>, from: Record<string, ParamSnapshot>) => {
      for (const [k, s] of Object.entries(from)) {
        const init = tf.tensor(new Float32Array(s.data), s.shape);
        map.set(k, tf.variable(init, false));
        init.dispose();
      }
    };
    write(this.m, snap.m);
    write(this.v, snap.v);
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Linear warm-up to `lr`, then cosine decay to lr * minRatio at `total` steps. step counts from 0. */
export function learningRate(step: number, lr: number, warmup: number, total: number, minRatio: number): number {
  if (warmup > 0 && step < warmup) return (lr * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  return lr * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
