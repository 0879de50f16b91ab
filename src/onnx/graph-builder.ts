/**
 * A small builder for ONNX graphs: names intermediate values, stores
 * constants as initialisers, and offers the few composite pieces the FoE
 * graph needs (slices, reversals along an axis).
 */
import { DataType, encodeModel, type AttributeValue, type NodeValue, type TensorValue, type ValueInfo } from './proto.js';

/** The opset the graphs target (onnxruntime 1.30 supports it fully). */
export const OPSET = 17;

/** An "end" for Slice that reaches past the first element when stepping backwards. */
const BEFORE_START = -(2 ** 53) + 1;

export class GraphBuilder {
  readonly #nodes: NodeValue[] = [];
  readonly #initializers: TensorValue[] = [];
  readonly #inputs: ValueInfo[] = [];
  readonly #outputs: ValueInfo[] = [];
  readonly #ints = new Map<string, string>();
  #count = 0;

  input(name: string, type: ValueInfo['type'], dims: ValueInfo['dims']): string {
    this.#inputs.push({ name, type, dims });
    return name;
  }

  /** Declares `value` as a graph output under `name` (through an Identity). */
  output(name: string, value: string, type: ValueInfo['type'], dims: ValueInfo['dims']): void {
    this.#nodes.push({ op: 'Identity', inputs: [value], outputs: [name] });
    this.#outputs.push({ name, type, dims });
  }

  #name(hint: string): string {
    this.#count += 1;
    return `${hint}_${this.#count}`;
  }

  /** Appends a node with one output and returns that output's name. */
  op(type: string, inputs: string[], attributes?: Record<string, AttributeValue>, hint = type.toLowerCase()): string {
    const out = this.#name(hint);
    this.#nodes.push({ op: type, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  floats(values: Float32Array | number[], dims: number[], hint = 'const'): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const name = this.#name(hint);
    this.#initializers.push({ name, dims, type: DataType.FLOAT, raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() });
    return name;
  }

  scalar(value: number): string {
    return this.floats([value], [], 'scalar');
  }

  /** An int64 constant (shared between uses of the same values). */
  ints(values: number[], dims: number[] = [values.length]): string {
    const key = `${dims.join('x')}:${values.join(',')}`;
    const known = this.#ints.get(key);
    if (known) return known;
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    const name = this.#name('ints');
    this.#initializers.push({ name, dims, type: DataType.INT64, raw: new Uint8Array(data.buffer) });
    this.#ints.set(key, name);
    return name;
  }

  slice(x: string, axis: number, start: number, end: number, step = 1): string {
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis]), this.ints([step])]);
  }

  /** The first `count` elements along `axis`, reversed. */
  reversedHead(x: string, axis: number, count: number): string {
    return this.slice(x, axis, count - 1, BEFORE_START, -1);
  }

  /** The last `count` elements along `axis`, reversed. */
  reversedTail(x: string, axis: number, count: number): string {
    return this.slice(x, axis, -1, -count - 1, -1);
  }

  encode(name: string): Uint8Array {
    return encodeModel({ name, nodes: this.#nodes, initializers: this.#initializers, inputs: this.#inputs, outputs: this.#outputs }, OPSET);
  }
}
