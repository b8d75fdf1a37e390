import * as tf from './tf';
import type { Rng } from './rng';

/** A parameter as plain numbers: what crosses backends, the worker boundary and files. */
export interface ParamSnapshot {
  shape: number[];
  data: Float32Array;
}

export type Init = { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'const'; value: number };

/**
 * Named trainable variables. Initial values are drawn on the CPU from the seeded Rng, so the same seed
 * gives the same weights on every backend.
 */
export class Params {
  readonly vars = new Map<string, tf.Variable>();
  /** Names that get weight decay (matrices, not biases, norms or embeddings of scalars). */
  readonly decayed = new Set<string>();

  add(name: string, shape: number[], init: Init, rng: Rng, decay = false): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (init.kind === 'normal') for (let i = 0; i < size; i++) data[i] = rng.truncNormal(init.std);
    else if (init.kind === 'ones') data.fill(1);
    else if (init.kind === 'const') data.fill(init.value);
    return this.addValues(name, shape, data, decay);
  }

  addValues(name: string, shape: number[], data: Float32Array, decay = false): tf.Variable {
    const initial = tf.tensor(data, shape, 'float32');
    const v = tf.variable(initial, true, `${name}_${Params.uid++}`);
    initial.dispose(); // tf.variable keeps its own copy
    this.vars.set(name, v);
    if (decay) this.decayed.add(name);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  async snapshot(): Promise<Record<string, ParamSnapshot>> {
    const out: Record<string, ParamSnapshot> = {};
    for (const [name, v] of this.vars) out[name] = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
    return out;
  }

  /** Replaces every variable by the snapshot's values (same names and shapes), for example on a new backend. */
  restore(snap: Record<string, ParamSnapshot>): void {
    for (const [name, v] of this.vars) {
      const s = snap[name];
      if (!s) throw new Error(`snapshot lacks parameter ${name}`);
      if (s.shape.join('x') !== v.shape.join('x'))
        throw new Error(`parameter ${name} has shape ${v.shape.join('x')}, snapshot has ${s.shape.join('x')}`);
    }
    const decayed = new Set(this.decayed);
    this.dispose();
    for (const [name, s] of Object.entries(snap)) this.addValues(name, s.shape, new Float32Array(s.data), decayed.has(name));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.decayed.clear();
  }

  private static uid = 0;
}
