/**
 * General matrix product C = op(A) op(B) (+ bias) (+ C) on row-major Float32 matrices: the dense layer
 * (seed 004 eq. 17-19) and the im2col form of convolution (seed 001) both reduce to it.
 *
 * Each invocation computes rowsPerInvocation x colsPerInvocation outputs (register blocking); rows and
 * columns are strided by the workgroup size so that neighbouring invocations touch neighbouring addresses.
 * With `tile > 0` the workgroup first stages a (block rows x tile) panel of op(A) and a (tile x block
 * columns) panel of op(B) in workgroup memory.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface GemmShape {
  /** Rows of C and of op(A). */
  readonly m: number;
  /** Columns of C and of op(B). */
  readonly n: number;
  /** Columns of op(A), rows of op(B). */
  readonly k: number;
  /** A is stored k x m (op(A) = A^T). */
  readonly transposeA: boolean;
  /** B is stored n x k (op(B) = B^T). */
  readonly transposeB: boolean;
  /** Bias added to every row (length n, "columns") or to every column (length m, "rows"). */
  readonly bias: "none" | "rows" | "columns";
  /** C += op(A) op(B) instead of C = op(A) op(B). */
  readonly accumulate: boolean;
  /** Index of the first bias entry in the bias buffer (a layer's biases follow its weights). */
  readonly biasOffset?: number;
  /**
   * Independent products in one launch (workgroup z): product p reads A at p * strideA, B at p * strideB and
   * writes C at p * strideC (a stride of 0 shares the operand). Default: one product.
   */
  readonly batches?: number;
  readonly strideA?: number;
  readonly strideB?: number;
  readonly strideC?: number;
}

/** The tunable launch parameters of the GEMM program. */
export interface GemmTuning {
  readonly workgroupX: number;
  readonly workgroupY: number;
  readonly rowsPerInvocation: number;
  readonly colsPerInvocation: number;
  /** Depth of the workgroup-memory panels; 0 reads A and B from storage directly. */
  readonly tile: number;
}

export type GemmConfig = GemmShape & GemmTuning;

export const DEFAULT_GEMM_TUNING: GemmTuning = {
  workgroupX: 8,
  workgroupY: 8,
  rowsPerInvocation: 2,
  colsPerInvocation: 2,
  tile: 0,
};

function bindings(config: GemmConfig): BindingSpec[] {
  const list: BindingSpec[] = [
    { name: "a", access: "read" },
    { name: "b", access: "read" },
  ];
  if (config.bias !== "none") list.push({ name: "bias", access: "read" });
  list.push({ name: "c", access: "read_write" });
  return list;
}

function launch(config: GemmConfig): Launch {
  const { workgroupX, workgroupY, rowsPerInvocation, colsPerInvocation } = config;
  const blockRows = workgroupY * rowsPerInvocation;
  const blockCols = workgroupX * colsPerInvocation;
  return {
    global: [
      Math.ceil(config.n / blockCols) * workgroupX,
      Math.ceil(config.m / blockRows) * workgroupY,
      config.batches ?? 1,
    ],
    local: [workgroupX, workgroupY, 1],
  };
}

/** WGSL functions reading op(A)[row, col] and op(B)[row, col], zero outside the matrix. */
function loaders(config: GemmConfig): string {
  const aIndex = config.transposeA ? "col * M + row" : "row * K + col";
  const bIndex = config.transposeB ? "col * K + row" : "row * N + col";
  return [
    "fn loadA(p: u32, row: u32, col: u32) -> f32 {",
    "  if (row >= M || col >= K) { return 0.0; }",
    `  return a[p * STRIDE_A + ${aIndex}];`,
    "}",
    "fn loadB(p: u32, row: u32, col: u32) -> f32 {",
    "  if (row >= K || col >= N) { return 0.0; }",
    `  return b[p * STRIDE_B + ${bIndex}];`,
    "}",
  ].join("\n");
}

function workgroupMemory(config: GemmConfig): string {
  if (config.tile === 0) return "";
  return [
    "var<workgroup> panelA: array<f32, BLOCK_ROWS * TILE>;",
    "var<workgroup> panelB: array<f32, TILE * BLOCK_COLS>;",
  ].join("\n");
}

/** The k loop reading directly from storage. */
function directProduct(): string {
  return [
    "for (var kk = 0u; kk < K; kk++) {",
    "  var bValues: array<f32, CPI>;",
    "  for (var j = 0u; j < CPI; j++) { bValues[j] = loadB(wid.z, kk, col0 + j * WGX); }",
    "  for (var i = 0u; i < RPI; i++) {",
    "    let aValue = loadA(wid.z, row0 + i * WGY, kk);",
    "    for (var j = 0u; j < CPI; j++) { acc[i * CPI + j] += aValue * bValues[j]; }",
    "  }",
    "}",
  ].join("\n");
}

/** The k loop over panels staged in workgroup memory; barriers sit in uniform control flow. */
function tiledProduct(): string {
  return [
    "let flat = lid.y * WGX + lid.x;",
    "let blockRow = wid.y * BLOCK_ROWS;",
    "let blockCol = wid.x * BLOCK_COLS;",
    "for (var k0 = 0u; k0 < K; k0 += TILE) {",
    "  for (var e = flat; e < BLOCK_ROWS * TILE; e += WGX * WGY) {",
    "    panelA[e] = loadA(wid.z, blockRow + e / TILE, k0 + e % TILE);",
    "  }",
    "  for (var e = flat; e < TILE * BLOCK_COLS; e += WGX * WGY) {",
    "    panelB[e] = loadB(wid.z, k0 + e / BLOCK_COLS, blockCol + e % BLOCK_COLS);",
    "  }",
    "  workgroupBarrier();",
    "  for (var kk = 0u; kk < TILE; kk++) {",
    "    var bValues: array<f32, CPI>;",
    "    for (var j = 0u; j < CPI; j++) { bValues[j] = panelB[kk * BLOCK_COLS + lid.x + j * WGX]; }",
    "    for (var i = 0u; i < RPI; i++) {",
    "      let aValue = panelA[(lid.y + i * WGY) * TILE + kk];",
    "      for (var j = 0u; j < CPI; j++) { acc[i * CPI + j] += aValue * bValues[j]; }",
    "    }",
    "  }",
    "  workgroupBarrier();",
    "}",
  ].join("\n");
}

function store(config: GemmConfig): string {
  const terms = ["acc[i * CPI + j]"];
  if (config.bias === "columns") terms.push("bias[BIAS_OFFSET + col]");
  if (config.bias === "rows") terms.push("bias[BIAS_OFFSET + row]");
  if (config.accumulate) terms.push("c[cBase + row * N + col]");
  return [
    "let cBase = wid.z * STRIDE_C;",
    "for (var i = 0u; i < RPI; i++) {",
    "  let row = row0 + i * WGY;",
    "  for (var j = 0u; j < CPI; j++) {",
    "    let col = col0 + j * WGX;",
    `    if (row < M && col < N) { c[cBase + row * N + col] = ${terms.join(" + ")}; }`,
    "  }",
    "}",
  ].join("\n");
}

function source(config: GemmConfig): string {
  const constants = u32Constants({
    M: config.m,
    N: config.n,
    K: config.k,
    WGX: config.workgroupX,
    WGY: config.workgroupY,
    RPI: config.rowsPerInvocation,
    CPI: config.colsPerInvocation,
    BLOCK_ROWS: config.workgroupY * config.rowsPerInvocation,
    BLOCK_COLS: config.workgroupX * config.colsPerInvocation,
    TILE: Math.max(config.tile, 1),
    BIAS_OFFSET: config.biasOffset ?? 0,
    STRIDE_A: config.strideA ?? 0,
    STRIDE_B: config.strideB ?? 0,
    STRIDE_C: config.strideC ?? 0,
  });
  const body = [
    "let row0 = wid.y * BLOCK_ROWS + lid.y;",
    "let col0 = wid.x * BLOCK_COLS + lid.x;",
    "var acc: array<f32, RPI * CPI>;",
    config.tile > 0 ? tiledProduct() : directProduct(),
    store(config),
  ].join("\n");
  return sections(
    storageDeclarations(bindings(config)),
    constants,
    workgroupMemory(config),
    loaders(config),
    entryPoint([config.workgroupX, config.workgroupY, 1], body),
  );
}

/** Checks that a GEMM config describes a matrix product that can be launched. */
export function validateGemmConfig(config: GemmConfig): void {
  for (const key of [
    "m",
    "n",
    "k",
    "workgroupX",
    "workgroupY",
    "rowsPerInvocation",
    "colsPerInvocation",
  ] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) {
      throw new Error(`GEMM ${key} must be a positive integer, got ${config[key]}`);
    }
  }
  if (!Number.isInteger(config.tile) || config.tile < 0) {
    throw new Error(`GEMM tile must be a non-negative integer, got ${config.tile}`);
  }
}

export const gemmProgram: Program<GemmConfig> = {
  name: "gemm",
  bindings,
  launch,
  source: (config) => {
    validateGemmConfig(config);
    return source(config);
  },
};
