/**
 * The matrix product of gemm.ts with vec4 access: op(B) is read and C written four neighbouring columns at a time
 * (array<vec4<f32>> bindings), so each invocation computes rowsPerInvocation x (4 colsPerInvocation) outputs.
 * Needs B untransposed, n divisible by 4 (and B and C strides of batched products divisible by 4); reads storage
 * directly (no workgroup memory). Bindings as gemmProgram's.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";
import { GemmConfig, validateGemmConfig } from "./gemm";

/** Why the vec4 program cannot compute this product, or undefined when it can. */
export function gemmVec4Problem(config: GemmConfig): string | undefined {
  if (config.transposeB) return "vec4 access reads B untransposed";
  if (config.n % 4 !== 0) return `vec4 access needs n divisible by 4, got ${config.n}`;
  if ((config.strideB ?? 0) % 4 !== 0 || (config.strideC ?? 0) % 4 !== 0) {
    return "vec4 access needs the B and C strides of batched products divisible by 4";
  }
  if (config.tile !== 0) return "vec4 access reads storage directly (tile must be 0)";
  return undefined;
}

function bindings(config: GemmConfig): BindingSpec[] {
  const list: BindingSpec[] = [
    { name: "a", access: "read" },
    { name: "b", access: "read", element: "vec4<f32>" },
  ];
  if (config.bias !== "none") list.push({ name: "bias", access: "read" });
  list.push({ name: "c", access: "read_write", element: "vec4<f32>" });
  return list;
}

function launch(config: GemmConfig): Launch {
  const { workgroupX, workgroupY, rowsPerInvocation, colsPerInvocation } = config;
  const groups = config.n / 4;
  return {
    global: [
      Math.ceil(groups / (workgroupX * colsPerInvocation)) * workgroupX,
      Math.ceil(config.m / (workgroupY * rowsPerInvocation)) * workgroupY,
      config.batches ?? 1,
    ],
    local: [workgroupX, workgroupY, 1],
  };
}

function biasTerm(config: GemmConfig): string {
  switch (config.bias) {
    case "none":
      return "vec4<f32>(0.0)";
    case "rows":
      return "vec4<f32>(bias[BIAS_OFFSET + row])";
    case "columns":
      return [
        "vec4<f32>(bias[BIAS_OFFSET + 4u * g], bias[BIAS_OFFSET + 4u * g + 1u],",
        "          bias[BIAS_OFFSET + 4u * g + 2u], bias[BIAS_OFFSET + 4u * g + 3u])",
      ].join("\n");
  }
}

function source(config: GemmConfig): string {
  const aIndex = config.transposeA ? "col * M + row" : "row * K + col";
  const accumulate = config.accumulate ? " + c[cBase + row * N4 + g]" : "";
  const body = [
    "let row0 = wid.y * WGY * RPI + lid.y;",
    "let g0 = wid.x * WGX * CPI + lid.x;",
    "let aBase = wid.z * STRIDE_A;",
    "let bBase = wid.z * (STRIDE_B / 4u);",
    "let cBase = wid.z * (STRIDE_C / 4u);",
    "var acc: array<vec4<f32>, RPI * CPI>;",
    "for (var kk = 0u; kk < K; kk++) {",
    "  var bValues: array<vec4<f32>, CPI>;",
    "  for (var j = 0u; j < CPI; j++) {",
    "    let g = g0 + j * WGX;",
    "    if (g < N4) { bValues[j] = b[bBase + kk * N4 + g]; }",
    "  }",
    "  for (var i = 0u; i < RPI; i++) {",
    "    let row = row0 + i * WGY;",
    "    let col = kk;",
    "    var aValue = 0.0;",
    `    if (row < M) { aValue = a[aBase + ${aIndex}]; }`,
    "    for (var j = 0u; j < CPI; j++) { acc[i * CPI + j] += aValue * bValues[j]; }",
    "  }",
    "}",
    "for (var i = 0u; i < RPI; i++) {",
    "  let row = row0 + i * WGY;",
    "  for (var j = 0u; j < CPI; j++) {",
    "    let g = g0 + j * WGX;",
    "    if (row < M && g < N4) {",
    `      c[cBase + row * N4 + g] = acc[i * CPI + j] + ${biasTerm(config)}${accumulate};`,
    "    }",
    "  }",
    "}",
  ].join("\n");
  return sections(
    storageDeclarations(bindings(config)),
    u32Constants({
      M: config.m,
      N4: config.n / 4,
      K: config.k,
      WGX: config.workgroupX,
      WGY: config.workgroupY,
      RPI: config.rowsPerInvocation,
      CPI: config.colsPerInvocation,
      BIAS_OFFSET: config.biasOffset ?? 0,
      STRIDE_A: config.strideA ?? 0,
      STRIDE_B: config.strideB ?? 0,
      STRIDE_C: config.strideC ?? 0,
    }),
    entryPoint([config.workgroupX, config.workgroupY, 1], body),
  );
}

export const gemmVec4Program: Program<GemmConfig> = {
  name: "gemm.vec4",
  bindings,
  launch,
  source: (config) => {
    validateGemmConfig(config);
    const problem = gemmVec4Problem(config);
    if (problem !== undefined) throw new Error(`gemm.vec4: ${problem}`);
    return source(config);
  },
};
