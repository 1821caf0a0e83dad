// `--smoke`: one tiny convolution forward on deltalab's CPU path, timed, and its output checked against the plain
// sum of eq. 61 written out here, so a broken build cannot pass as a fast one.
import { SMOKE_CASE, convOutSize, convFlops } from "./cases.mjs";
import { loadCore } from "./deltalab.mjs";
import { measure, seededFloats } from "./stats.mjs";

/** y[n, o, i, j] = b_o + sum_{c, u, v} x[n, c, s i + u - p, s j + v - p] w[o, c, u, v], zero outside the image. */
function referenceForward(c, x, w, b) {
  const { hout, wout } = convOutSize(c);
  const y = new Float64Array(c.batch * c.cout * hout * wout);
  for (let n = 0; n < c.batch; n++)
    for (let o = 0; o < c.cout; o++)
      for (let i = 0; i < hout; i++)
        for (let j = 0; j < wout; j++) {
          let sum = b[o];
          for (let ch = 0; ch < c.cin; ch++)
            for (let u = 0; u < c.k; u++)
              for (let v = 0; v < c.k; v++) {
                const row = c.stride * i + u - c.pad;
                const col = c.stride * j + v - c.pad;
                if (row < 0 || row >= c.h || col < 0 || col >= c.w) continue;
                sum +=
                  x[((n * c.cin + ch) * c.h + row) * c.w + col] * w[((o * c.cin + ch) * c.k + u) * c.k + v];
              }
          y[((n * c.cout + o) * hout + i) * wout + j] = sum;
        }
  return y;
}

export async function smoke() {
  const c = SMOKE_CASE;
  const core = loadCore();
  const layer = new core.Conv2dLayer("conv", [c.cin, c.h, c.w], {
    filters: c.cout,
    kernel: c.k,
    stride: c.stride,
    padding: c.pad,
  });
  const w = seededFloats(c.cout * c.cin * c.k * c.k, 3);
  const b = seededFloats(c.cout, 4);
  const params = new Float32Array(layer.parameterCount);
  for (let o = 0; o < c.cout; o++) {
    for (let ch = 0; ch < c.cin; ch++)
      for (let u = 0; u < c.k; u++)
        for (let v = 0; v < c.k; v++)
          params[layer.weightIndex(o, ch, u, v)] = w[((o * c.cin + ch) * c.k + u) * c.k + v];
    params[layer.weightCount + o] = b[o];
  }
  const x = seededFloats(c.batch * c.cin * c.h * c.w, 1);
  const { hout, wout } = convOutSize(c);
  const y = new Float32Array(c.batch * c.cout * hout * wout);
  const timing = await measure(() => layer.forward(params, x, y, c.batch), { runs: 7, minSampleMs: 5 });
  const expected = referenceForward(c, x, w, b);
  let maxAbsError = 0;
  for (let i = 0; i < y.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(y[i] - expected[i]));
  return {
    mode: "smoke",
    implementation: "deltalab-cpu",
    workload: "conv",
    case: c.id,
    op: "forward",
    ...timing,
    gflops: convFlops(c) / (timing.medianMs * 1e6),
    outputs: y.length,
    maxAbsError,
  };
}
