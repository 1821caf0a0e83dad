/**
 * One suite for every backend (STYLE point 3): each case of layer-cases.ts runs on the backend's version of the
 * layer (`Backend.accelerate`) in Float32 and on the layer's own code in Float64, the truth; y, the input delta,
 * the parameter gradient and the forward-mode tangent must agree within Float32 rounding of the sums involved.
 * Backward must also be the adjoint of forward mode, <dy, J v> = <J^T dy, v>, a closed-form identity that needs
 * no reference. A backend that hands a layer back unchanged has no version of it: the suite says so with a skipped
 * test named "<backend> has no <kind> layer ...", rather than testing the reference twice.
 *
 *   describeBackendSuite("wasm, 2 threads", () => createWasmBackend({ threads: 2 }));
 *   describeBackendSuite("webgpu", () => webGpuBackend, { device: { kinds, run } });   (layers on a device)
 */
import { afterAll, describe, expect, it } from "vitest";
import { referenceBackend, type Backend, type FloatArray, type Layer } from "@deltalab/core";
import { expectClose, sumTolerance } from "./close";
import { inputFor, layerCases, type LayerCase } from "./layer-cases";
import { randomFloats } from "./random";

export interface BackendSuiteOptions {
  /** Layer kinds the backend lacks, beyond those it hands back unchanged; each is reported as skipped. */
  readonly skip?: readonly string[];
  /** The cases to run; default every case of layer-cases.ts. */
  readonly cases?: readonly LayerCase[];
  /**
   * For a backend whose layers run on a device of its own (no per-layer `accelerate`): the layer kinds it has and
   * how it runs one layer on a batch. Its y, dx and gradient are checked against the reference; forward mode stays
   * on the host there, so the tangent checks are left out.
   */
  readonly device?: DeviceLayers;
}

export interface DeviceLayers {
  readonly kinds: readonly string[];
  /** Why the device refuses a layer of a kind it has (an option its kernel lacks), or undefined. */
  refuses?(layer: Layer): string | undefined;
  run(layer: Layer, batch: number, data: CaseData): Promise<Omit<LayerRun, "yDot">>;
}

/** What one layer computes on one batch: forward, backward and forward mode. */
export interface LayerRun {
  readonly y: FloatArray;
  readonly dx: FloatArray;
  readonly grad: FloatArray;
  /** The tangent of y along (dParams, dInput). */
  readonly yDot: FloatArray;
}

/** The data of a case: input, parameters, output delta and a tangent direction, seeded by the case's index. */
export interface CaseData {
  readonly x: Float32Array;
  readonly params: Float32Array;
  readonly dy: Float32Array;
  readonly paramsDot: Float32Array;
  readonly xDot: Float32Array;
}

export function caseData(c: LayerCase, seed: number): CaseData {
  const { layer, batch } = c;
  return {
    x: inputFor(c.input ?? "uniform", batch * layer.inputSize, seed),
    params: randomFloats(layer.parameterCount, seed + 1),
    dy: randomFloats(batch * layer.outputSize, seed + 2),
    paramsDot: randomFloats(layer.parameterCount, seed + 3),
    xDot: randomFloats(batch * layer.inputSize, seed + 4),
  };
}

/** Runs `layer` on `data` in arrays made by `make` (Float32Array or Float64Array). */
export function runLayer(
  layer: Layer,
  batch: number,
  data: CaseData,
  make: (values: ArrayLike<number> | number) => FloatArray,
): LayerRun {
  const params = make(data.params);
  const x = make(data.x);
  const y = make(batch * layer.outputSize);
  const dx = make(batch * layer.inputSize);
  const grad = make(layer.parameterCount);
  const yDot = make(batch * layer.outputSize);
  layer.forward(params, x, y, batch);
  layer.backward(params, x, y, make(data.dy), dx, grad, batch);
  layer.forwardTangent(params, x, y, make(data.paramsDot), make(data.xDot), yDot, batch);
  return { y, dx, grad, yDot };
}

const float32 = (values: ArrayLike<number> | number) =>
  typeof values === "number" ? new Float32Array(values) : Float32Array.from(values);
const float64 = (values: ArrayLike<number> | number) =>
  typeof values === "number" ? new Float64Array(values) : Float64Array.from(values);

function dot(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; magnitude: number } {
  let value = 0;
  let magnitude = 0;
  for (let i = 0; i < a.length; i++) {
    value += a[i] * b[i];
    magnitude += Math.abs(a[i] * b[i]);
  }
  return { value, magnitude };
}

/** Declares the suite for the backend `makeBackend` makes (once, disposed after the suite). */
export function describeBackendSuite(
  name: string,
  makeBackend: () => Backend,
  options: BackendSuiteOptions = {},
): void {
  const cases = options.cases ?? layerCases();
  const skip = options.skip ?? [];
  describe(`layers on ${name} against the reference`, () => {
    const backend = makeBackend();
    afterAll(() => backend.dispose?.());
    for (const [index, c] of cases.entries()) {
      const kind = c.layer.kind;
      const seed = 1000 + 10 * index;
      const device = options.device;
      const layer = backend.accelerate(c.layer, "float32");
      const has = device ? device.kinds.includes(kind) : backend === referenceBackend || layer !== c.layer;
      if (skip.includes(kind) || !has) {
        it.skip(`${name} has no ${kind} layer for ${c.name}`, () => {});
        continue;
      }
      const refusal = device?.refuses?.(c.layer);
      if (refusal !== undefined) {
        it.skip(`${name} has no ${kind} layer that ${refusal} (${c.name})`, () => {});
        continue;
      }
      if (device) {
        it(`${c.name}: y, dx and the gradient match the reference in Float64`, async () => {
          const data = caseData(c, seed);
          const expected = runLayer(c.layer, c.batch, data, float64);
          const actual = await device.run(c.layer, c.batch, data);
          expectClose(actual.y, expected.y, sumTolerance(c.terms.y), 0);
          expectClose(actual.dx, expected.dx, sumTolerance(c.terms.dx), 0);
          expectClose(actual.grad, expected.grad, sumTolerance(c.terms.grad), 0);
        });
        continue;
      }

      it(`${c.name}: y, dx, the gradient and the tangent match the reference in Float64`, () => {
        const data = caseData(c, seed);
        const expected = runLayer(c.layer, c.batch, data, float64);
        const actual = runLayer(layer, c.batch, data, float32);
        expectClose(actual.y, expected.y, sumTolerance(c.terms.y), 0);
        expectClose(actual.dx, expected.dx, sumTolerance(c.terms.dx), 0);
        expectClose(actual.grad, expected.grad, sumTolerance(c.terms.grad), 0);
        expectClose(actual.yDot, expected.yDot, sumTolerance(2 * c.terms.y), 0);
      });

      it(`${c.name}: backward is the adjoint of forward mode`, () => {
        const data = caseData(c, seed);
        const run = runLayer(layer, c.batch, data, float32);
        const forward = dot(data.dy, run.yDot);
        const inputPart = dot(run.dx, data.xDot);
        const parameterPart = dot(run.grad, data.paramsDot);
        const magnitude = forward.magnitude + inputPart.magnitude + parameterPart.magnitude;
        const gap = Math.abs(forward.value - inputPart.value - parameterPart.value);
        expect(gap).toBeLessThanOrEqual(1e-5 * magnitude + 1e-6);
      });
    }
  });
}
