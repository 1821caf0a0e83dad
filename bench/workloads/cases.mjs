// The workloads of the benchmark and their FLOP counts. Every implementation reads its shapes from here.

/**
 * The convolution cases (NCHW, Float32). Forward FLOPs: 2 N Cout Hout Wout Cin kh kw, one multiply and one add per
 * term of the product W mat(P_phi P_pad vec Z) of Lin's conv-layer slides eq. 2 (d_out x kh kw d_in times kh kw d_in x Hout Wout,
 * per image); each backward (to the input, to the filters) is a product of the same sizes and is counted the same.
 */
export const CONV_CASES = [
  { id: "lenet-c1", batch: 64, cin: 1, cout: 6, h: 28, w: 28, k: 5, stride: 1, pad: 0 },
  { id: "lenet-c3", batch: 64, cin: 6, cout: 16, h: 12, w: 12, k: 5, stride: 1, pad: 0 },
  { id: "vgg-3x3", batch: 32, cin: 64, cout: 64, h: 32, w: 32, k: 3, stride: 1, pad: 1 },
  { id: "resnet-stem", batch: 1, cin: 3, cout: 64, h: 224, w: 224, k: 7, stride: 2, pad: 3 },
];

/** The case of `--smoke`: small enough to finish in well under a second on the reference path. */
export const SMOKE_CASE = { id: "smoke", batch: 2, cin: 2, cout: 3, h: 9, w: 9, k: 3, stride: 1, pad: 1 };

export const CONV_OPS = ["forward", "backward-input", "backward-filter"];

export function convOutSize(c) {
  return {
    hout: Math.floor((c.h + 2 * c.pad - c.k) / c.stride) + 1,
    wout: Math.floor((c.w + 2 * c.pad - c.k) / c.stride) + 1,
  };
}

export function convFlops(c) {
  const { hout, wout } = convOutSize(c);
  return 2 * c.batch * c.cout * hout * wout * c.cin * c.k * c.k;
}

export function describeConv(c) {
  const stride = c.stride === 1 ? "" : `, stride ${c.stride}`;
  const pad = c.pad === 0 ? "" : `, pad ${c.pad}`;
  return `N=${c.batch}, ${c.cin}->${c.cout}, ${c.h}x${c.w}, ${c.k}x${c.k}${stride}${pad}`;
}

export const CONV_FLOP_FORMULA = "2*N*Cout*Hout*Wout*Cin*kh*kw (the same count for each backward)";

/**
 * LeNet-5 as every implementation builds it, so that the FLOPs are the same everywhere: 28x28 input padded by 2,
 * C1 6@5x5 tanh, 2x2 average pooling, C3 16@5x5 over all six maps tanh, 2x2 average pooling, C5 120@5x5 tanh,
 * F6 84 tanh, 10 outputs with softmax cross-entropy.
 */
export const LENET_BATCH = 64;

export function lenetForwardFlops(batch) {
  const conv = (cin, cout, hout, k) => 2 * cout * hout * hout * cin * k * k;
  const perSample = conv(1, 6, 28, 5) + conv(6, 16, 10, 5) + conv(16, 120, 1, 5) + 2 * 120 * 84 + 2 * 84 * 10;
  return batch * perSample;
}

export const LENET_FLOP_FORMULA =
  "forward: the convolutions and dense layers by 2*MACs (pooling and tanh not counted); a training step: 3x forward";

/** A 1024^3 SGEMM, the ceiling every figure is set against: 2*n^3 FLOPs. */
export const GEMM_SIZE = 1024;
export const GEMM_FLOPS = 2 * GEMM_SIZE ** 3;

/** Fashion-MNIST's training split. */
export const FASHION_TRAIN_IMAGES = 60000;

/** The loss-surface grid: 41x41 points of LeNet-5 on 1,000 images; each point is one forward pass. */
export const GRID = { points: 41, images: 1000 };

/** Which workloads a mode runs. */
export function workloadsFor(mode) {
  if (mode === "smoke") return [{ kind: "conv", case: SMOKE_CASE, ops: ["forward"] }];
  const list = [{ kind: "gemm" }];
  list.push(...CONV_CASES.map((c) => ({ kind: "conv", case: c, ops: CONV_OPS })));
  list.push({ kind: "lenet-train-step" }, { kind: "lenet-inference" });
  if (mode === "full") list.push({ kind: "lenet-epoch" }, { kind: "landscape-grid" });
  return list;
}

export function workloadName(workload, op) {
  return workload.kind === "conv" ? `conv ${workload.case.id} ${op}` : workload.kind;
}

/** The workload list as plain data, for the PyTorch script. */
export function workloadPlan(mode) {
  return {
    conv: CONV_CASES,
    smoke: SMOKE_CASE,
    lenetBatch: LENET_BATCH,
    gemm: GEMM_SIZE,
    grid: GRID,
    workloads: workloadsFor(mode),
  };
}
