import { AttributeType, DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnxProto';

/**
 * Builds an ONNX graph node by node, DOM-free: each op call adds a node and returns the name of its output, constants
 * and weights become initializers. Attributes are given as plain values: an integer, a float (`{ float: x }`), an
 * array of integers or of floats.
 */

export type AttributeValue = number | { float: number } | number[] | { floats: number[] } | string;

function attribute(name: string, v: AttributeValue): OnnxAttribute {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (give a float as { float: x })`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

/** Little-endian bytes of float32 values (TensorProto.raw_data). */
function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** Little-endian bytes of int64 values (TensorProto.raw_data). */
function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  private unique(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** A float32 initializer (a weight or a constant), row-major. */
  floatTensor(name: string, dims: number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`initializer ${name}: ${values.length} values for shape [${dims.join(', ')}]`);
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, dataType: DataType.FLOAT, rawData: float32Bytes(values) });
    return unique;
  }

  /** A float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.floatTensor(name, [], [value]);
  }

  /** A 1-D int64 constant (shapes, axes). */
  int64s(name: string, values: number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims: [values.length], dataType: DataType.INT64, rawData: int64Bytes(values) });
    return unique;
  }

  /** Adds a node of the default domain with one output and returns the output's name. */
  op(opType: string, inputs: string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    const out = this.unique(output);
    this.nodes.push({
      name: `${opType}:${out}`,
      opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }
}
