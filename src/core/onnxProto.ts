import protobuf from 'protobufjs/light';

/**
 * ONNX models as bytes, DOM-free. The messages below are the part of ONNX's onnx.proto (IR version 8, the IR of
 * opset 17) that an inference graph with initializers needs, with onnx.proto's field numbers and types; protobufjs
 * writes the protobuf wire format. Fields this exporter never sets (sparse tensors, functions, training info, …) are
 * left out of the schema, which a protobuf reader of the full schema accepts as unset.
 */

export const IR_VERSION = 8;

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const SCHEMA: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 }, // AttributeType
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 }, // DataType
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            docString: { type: 'string', id: 12 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 }, // DataType
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
      },
    },
  },
};

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

let modelType: protobuf.Type | undefined;
let root: protobuf.Root | undefined;

function types(): { model: protobuf.Type; root: protobuf.Root } {
  root ??= protobuf.Root.fromJSON(SCHEMA);
  modelType ??= root.lookupType('onnx.ModelProto');
  return { model: modelType, root };
}

function valueInfo(v: OnnxValueInfo) {
  return {
    name: v.name,
    docString: v.docString,
    type: { tensorType: { elemType: v.elemType, shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** The model as ONNX protobuf bytes (what a .onnx file holds). */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const { model } = types();
  const message = model.fromObject({
    irVersion: IR_VERSION,
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    docString: m.docString,
    opsetImport: [{ domain: '', version: m.opset }],
    metadataProps: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: m.graph.name,
      node: m.graph.node,
      initializer: m.graph.initializer,
      input: m.graph.input.map(valueInfo),
      output: m.graph.output.map(valueInfo),
    },
  });
  return model.encode(message).finish();
}

/** Bytes back to a plain object with onnx.proto's (camel-cased) field names; int64 values as numbers. */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  const { model } = types();
  return model.toObject(model.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}
