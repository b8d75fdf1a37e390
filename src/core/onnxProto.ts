import protobuf from 'protobufjs/minimal';

/**
 * ONNX models as bytes, DOM-free. The encoders below write the part of ONNX's onnx.proto (IR version 8, the IR of
 * opset 17) that an inference graph with initializers needs, with onnx.proto's field numbers and wire types, through
 * protobufjs's Writer (varints, zig-zag-free int64, length-delimited submessages); onnx.proto is proto2, so repeated
 * numbers are written unpacked. This is what protobufjs's static code generator emits for a schema: no reflection,
 * because reflection compiles its encoders with Function(), which the app's Content-Security-Policy (no
 * 'unsafe-eval') refuses. Fields left unset (sparse tensors, functions, training info, …) are absent.
 */

export const IR_VERSION = 8;

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

// ---- the messages as plain objects ------------------------------------------------------------------------------------

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array; // little-endian values, row-major
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** A tensor's type: element type and dimensions, each a size or a symbolic name (for example the batch). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string)[];
  docString?: string;
}

export interface OnnxModel {
  producerName: string;
  producerVersion: string;
  docString: string;
  opset: number; // of the default domain (ai.onnx)
  metadata: Record<string, string>;
  graph: {
    name: string;
    node: OnnxNode[];
    initializer: OnnxTensor[];
    input: OnnxValueInfo[];
    output: OnnxValueInfo[];
  };
}


// ---- encoders: one per message, fields in onnx.proto's numbering --------------------------------------------------------

type Writer = protobuf.Writer;
const VARINT = 0;
const FIXED32 = 5;
const LENGTH = 2;
const tag = (field: number, wire: number) => ((field << 3) | wire) >>> 0;

function string(w: Writer, field: number, value: string | undefined): void {
  if (value !== undefined) w.uint32(tag(field, LENGTH)).string(value);
}

function int64(w: Writer, field: number, value: number): void {
  w.uint32(tag(field, VARINT)).int64(value);
}

function message<T>(w: Writer, field: number, value: T, encode: (w: Writer, v: T) => void): void {
  w.uint32(tag(field, LENGTH)).fork();
  encode(w, value);
  w.ldelim();
}

function tensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) int64(w, 1, d); // dims
  w.uint32(tag(2, VARINT)).int32(t.dataType); // data_type
  string(w, 8, t.name); // name
  w.uint32(tag(9, LENGTH)).bytes(t.rawData); // raw_data
}

function attribute(w: Writer, a: OnnxAttribute): void {
  string(w, 1, a.name); // name
  if (a.f !== undefined) w.uint32(tag(2, FIXED32)).float(a.f); // f
  if (a.i !== undefined) int64(w, 3, a.i); // i
  if (a.s !== undefined) w.uint32(tag(4, LENGTH)).bytes(a.s); // s
  for (const f of a.floats ?? []) w.uint32(tag(7, FIXED32)).float(f); // floats
  for (const i of a.ints ?? []) int64(w, 8, i); // ints
  w.uint32(tag(20, VARINT)).int32(a.type); // type
}

function node(w: Writer, n: OnnxNode): void {
  for (const i of n.input) string(w, 1, i); // input
  for (const o of n.output) string(w, 2, o); // output
  string(w, 3, n.name); // name
  string(w, 4, n.opType); // op_type
  for (const a of n.attribute) message(w, 5, a, attribute); // attribute
}

function dimension(w: Writer, d: number | string): void {
  if (typeof d === 'number') int64(w, 1, d); // dim_value
  else string(w, 2, d); // dim_param
}

function tensorType(w: Writer, v: OnnxValueInfo): void {
  w.uint32(tag(1, VARINT)).int32(v.elemType); // elem_type
  message(w, 2, v.shape, (w, shape) => shape.forEach((d) => message(w, 1, d, dimension))); // shape: TensorShapeProto.dim
}

function valueInfo(w: Writer, v: OnnxValueInfo): void {
  string(w, 1, v.name); // name
  message(w, 2, v, (w, v) => message(w, 1, v, tensorType)); // type: TypeProto.tensor_type
  string(w, 3, v.docString); // doc_string
}

function graph(w: Writer, g: OnnxModel['graph']): void {
  for (const n of g.node) message(w, 1, n, node); // node
  string(w, 2, g.name); // name
  for (const t of g.initializer) message(w, 5, t, tensor); // initializer
  for (const v of g.input) message(w, 11, v, valueInfo); // input
  for (const v of g.output) message(w, 12, v, valueInfo); // output
}

/** The model as ONNX protobuf bytes (what a .onnx file holds). */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = protobuf.Writer.create();
  int64(w, 1, IR_VERSION); // ir_version
  string(w, 2, m.producerName); // producer_name
  string(w, 3, m.producerVersion); // producer_version
  string(w, 6, m.docString); // doc_string
  message(w, 7, m.graph, graph); // graph
  message(w, 8, m.opset, (w, version) => { // opset_import: OperatorSetIdProto
    string(w, 1, ''); // domain: the default one, ai.onnx
    int64(w, 2, version); // version
  });
  for (const [key, value] of Object.entries(m.metadata)) message(w, 14, [key, value], (w, [k, v]) => (string(w, 1, k), string(w, 2, v))); // metadata_props
  return w.finish();
}
