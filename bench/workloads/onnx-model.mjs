// A minimal ONNX writer: just enough protobuf (onnx.proto3, IR version 8, opset 17) to express the benchmark's
// graphs (Conv, MatMul, Gemm, AveragePool, Tanh, Flatten, Softmax) with Float32 initializers.

import { TextEncoder } from "node:util";

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

function varint(value) {
  const bytes = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return bytes;
}

function tag(field, wire) {
  return varint((field << 3) | wire);
}

/** A message is a list of encoded fields; `bytes` concatenates them. */
const text = (s) => new TextEncoder().encode(s);

function fieldBytes(field, payload) {
  const body = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  return concat([Uint8Array.from([...tag(field, WIRE_BYTES), ...varint(body.length)]), body]);
}

function fieldVarint(field, value) {
  return Uint8Array.from([...tag(field, WIRE_VARINT), ...varint(value)]);
}

function fieldFloat(field, value) {
  const out = new Uint8Array(5);
  out.set(tag(field, WIRE_FIXED32));
  new DataView(out.buffer).setFloat32(1, value, true);
  return out;
}

function concat(parts) {
  const length = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;
const TENSOR_FLOAT = 1;

/** AttributeProto: name = 1, f = 2, i = 3, ints = 8, type = 20. */
function attribute(name, value) {
  const parts = [fieldBytes(1, text(name))];
  if (Array.isArray(value)) {
    for (const v of value) parts.push(fieldVarint(8, v));
    parts.push(fieldVarint(20, ATTRIBUTE_INTS));
  } else if (Number.isInteger(value)) {
    parts.push(fieldVarint(3, value), fieldVarint(20, ATTRIBUTE_INT));
  } else {
    parts.push(fieldFloat(2, value), fieldVarint(20, ATTRIBUTE_FLOAT));
  }
  return concat(parts);
}

/** NodeProto: input = 1, output = 2, op_type = 4, attribute = 5. */
export function node(opType, inputs, outputs, attributes = {}) {
  return concat([
    ...inputs.map((i) => fieldBytes(1, text(i))),
    ...outputs.map((o) => fieldBytes(2, text(o))),
    fieldBytes(4, text(opType)),
    ...Object.entries(attributes).map(([name, value]) => fieldBytes(5, attribute(name, value))),
  ]);
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian Float32). */
export function initializer(name, dims, values) {
  const data = Float32Array.from(values);
  return concat([
    ...dims.map((d) => fieldVarint(1, d)),
    fieldVarint(2, TENSOR_FLOAT),
    fieldBytes(8, text(name)),
    fieldBytes(9, new Uint8Array(data.buffer)),
  ]);
}

/** ValueInfoProto with a Float32 tensor type of fixed shape. */
function valueInfo(name, dims) {
  const shape = concat(dims.map((d) => fieldBytes(1, fieldVarint(1, d))));
  const tensorType = concat([fieldVarint(1, TENSOR_FLOAT), fieldBytes(2, shape)]);
  return concat([fieldBytes(1, text(name)), fieldBytes(2, fieldBytes(1, tensorType))]);
}

/** ModelProto with one graph: nodes, initializers, and named inputs and outputs with their shapes. */
export function model({ nodes, initializers, inputs, outputs }) {
  const graph = concat([
    ...nodes.map((n) => fieldBytes(1, n)),
    fieldBytes(2, text("bench")),
    ...initializers.map((t) => fieldBytes(5, t)),
    ...inputs.map(([name, dims]) => fieldBytes(11, valueInfo(name, dims))),
    ...outputs.map(([name, dims]) => fieldBytes(12, valueInfo(name, dims))),
  ]);
  const opset = concat([fieldBytes(1, text("")), fieldVarint(2, 17)]);
  return concat([
    fieldVarint(1, 8),
    fieldBytes(2, text("deltalab-bench")),
    fieldBytes(7, graph),
    fieldBytes(8, opset),
  ]);
}
