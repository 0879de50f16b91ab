/**
 * A minimal protobuf writer for the ONNX model format: just the messages and
 * fields a computation graph with float/int initialisers needs (onnx.proto,
 * IR version 8). Hand-written instead of a generated library so the engine
 * carries no protobuf runtime; onnxruntime validates what it is given.
 *
 * Field numbers (onnx.proto):
 *   ModelProto        ir_version 1, producer_name 2, graph 7, opset_import 8
 *   OperatorSetIdProto domain 1, version 2
 *   GraphProto        node 1, name 2, initializer 5, input 11, output 12
 *   NodeProto         input 1, output 2, name 3, op_type 4, attribute 5
 *   AttributeProto    name 1, f 2, i 3, s 4, ints 8, type 20
 *   TensorProto       dims 1, data_type 2, name 8, raw_data 9
 *   ValueInfoProto    name 1, type 2
 *   TypeProto         tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2
 */

export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export type AttributeValue = number | bigint | string | number[] | { float: number };

export interface TensorValue {
  name: string;
  dims: number[];
  type: DataTypeCode;
  /** Little-endian element bytes (raw_data). */
  raw: Uint8Array;
}

export interface NodeValue {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface ValueInfo {
  name: string;
  type: DataTypeCode;
  /** A number is a fixed size, a string a symbolic (dynamic) one. */
  dims: Array<number | string>;
}

export interface GraphValue {
  name: string;
  nodes: NodeValue[];
  initializers: TensorValue[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** Growable byte sink with the protobuf wire primitives. */
class Writer {
  #buf = new Uint8Array(256);
  #len = 0;

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  varint(value: number | bigint): void {
    // int64 fields: negative values are 10-byte two's complement varints.
    let v = BigInt.asUintN(64, BigInt(value));
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.#reserve(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.#reserve(4);
    new DataView(this.#buf.buffer).setFloat32(this.#len, v, true);
    this.#len += 4;
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

function writeTensor(w: Writer, t: TensorValue): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

function writeAttribute(w: Writer, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'string') {
    w.bytes(4, new TextEncoder().encode(value));
    w.int(20, AttributeType.STRING);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, AttributeType.INTS);
  } else if (typeof value === 'object') {
    w.float(2, value.float);
    w.int(20, AttributeType.FLOAT);
  } else {
    w.int(3, value);
    w.int(20, AttributeType.INT);
  }
}

function writeNode(w: Writer, n: NodeValue): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, (a) => writeAttribute(a, k, v));
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serialises a ModelProto holding one graph in the default ONNX domain. */
export function encodeModel(graph: GraphValue, opset: number, producer = 'gnc-studio'): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // IR version 8 (opsets up to 18)
  w.string(2, producer);
  w.message(7, (g) => {
    for (const n of graph.nodes) g.message(1, (m) => writeNode(m, n));
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const i of graph.inputs) g.message(11, (m) => writeValueInfo(m, i));
    for (const o of graph.outputs) g.message(12, (m) => writeValueInfo(m, o));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, opset);
  });
  return w.finish();
}
