/**
 * Element-wise activations y = phi(z) and their backward pass dz = dy * phi'(z) (seed 004 eq. 1, 6-7;
 * seed 001 eq. 2-3), with the same conventions as @deltalab/core's activations: the derivative of ReLU at 0 is
 * 0, leaky ReLU takes its slope for z <= 0, and sigmoid and tanh derivatives are written in y = phi(z).
 */
import { ActivationName, LECUN_TANH_A, LECUN_TANH_S, LEAKY_RELU_SLOPE } from "@deltalab/core";
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, f32, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface ActivationConfig {
  readonly activation: ActivationName;
  /** Used by leaky ReLU only. */
  readonly slope: number;
  /** Number of elements. */
  readonly length: number;
  readonly workgroupSize: number;
  /** Read and write four floats per invocation (needs length % 4 == 0). */
  readonly vec4: boolean;
}

export const DEFAULT_ACTIVATION_TUNING = { workgroupSize: 64, vec4: false } as const;

function elementType(config: ActivationConfig): "f32" | "vec4<f32>" {
  return config.vec4 ? "vec4<f32>" : "f32";
}

function validate(config: ActivationConfig): void {
  if (!Number.isInteger(config.length) || config.length < 1) {
    throw new Error(`activation length must be a positive integer, got ${config.length}`);
  }
  if (config.vec4 && config.length % 4 !== 0) {
    throw new Error(`vec4 access needs a length divisible by 4, got ${config.length}`);
  }
}

/** phi(z) as a WGSL expression in `z` of type T (f32 or vec4<f32>). */
export function valueExpression(activation: ActivationName, slope: number): string {
  switch (activation) {
    case "identity":
      return "z";
    case "sigmoid":
      return "T(1.0) / (T(1.0) + exp(-z))";
    case "tanh":
      return "stableTanh(z)";
    case "lecun-tanh":
      return `T(${f32(LECUN_TANH_A)}) * stableTanh(T(${f32(LECUN_TANH_S)}) * z)`;
    case "relu":
      return "select(T(0.0), z, z > T(0.0))";
    case "leaky-relu":
      return `select(T(${f32(slope)}) * z, z, z > T(0.0))`;
  }
}

/** phi'(z) as a WGSL expression in `z` and `y` = phi(z). */
export function derivativeExpression(activation: ActivationName, slope: number): string {
  switch (activation) {
    case "identity":
      return "T(1.0)";
    case "sigmoid":
      return "y * (T(1.0) - y)";
    case "tanh":
      return "T(1.0) - y * y";
    case "lecun-tanh":
      return `T(${f32(LECUN_TANH_S)}) * (T(${f32(LECUN_TANH_A)}) - y * y / T(${f32(LECUN_TANH_A)}))`;
    case "relu":
      return "select(T(0.0), T(1.0), z > T(0.0))";
    case "leaky-relu":
      return `select(T(${f32(slope)}), T(1.0), z > T(0.0))`;
  }
}

/** tanh through exp(-2|z|), which neither overflows nor loses the sign for large |z|. */
const STABLE_TANH = [
  "fn stableTanh(z: T) -> T {",
  "  let e = exp(T(-2.0) * abs(z));",
  "  return sign(z) * (T(1.0) - e) / (T(1.0) + e);",
  "}",
].join("\n");

function usesZ(activation: ActivationName): boolean {
  return activation === "relu" || activation === "leaky-relu";
}

function usesY(activation: ActivationName): boolean {
  return activation === "sigmoid" || activation === "tanh" || activation === "lecun-tanh";
}

function launch(config: ActivationConfig): Launch {
  const count = config.vec4 ? config.length / 4 : config.length;
  return { global: [count, 1, 1], local: [config.workgroupSize, 1, 1] };
}

function header(config: ActivationConfig, bindings: readonly BindingSpec[]): string {
  const count = config.vec4 ? config.length / 4 : config.length;
  return sections(
    storageDeclarations(bindings),
    `alias T = ${elementType(config)};`,
    u32Constants({ COUNT: count }),
    STABLE_TANH,
  );
}

function forwardBindings(config: ActivationConfig): BindingSpec[] {
  const element = elementType(config);
  return [
    { name: "z", access: "read", element },
    { name: "y", access: "read_write", element },
  ];
}

/** y = phi(z), element-wise. Bindings: z (read), y (written). */
export const activationForwardProgram: Program<ActivationConfig> = {
  name: "activation.forward",
  bindings: forwardBindings,
  launch,
  source: (config) => {
    validate(config);
    const body = [
      "let i = gid.x;",
      "if (i >= COUNT) { return; }",
      "let z = z[i];",
      `y[i] = ${valueExpression(config.activation, config.slope)};`,
    ].join("\n");
    return sections(header(config, forwardBindings(config)), entryPoint(launch(config).local, body));
  },
};

function backwardBindings(config: ActivationConfig): BindingSpec[] {
  const element = elementType(config);
  const list: BindingSpec[] = [];
  if (usesZ(config.activation)) list.push({ name: "z", access: "read", element });
  if (usesY(config.activation)) list.push({ name: "y", access: "read", element });
  list.push({ name: "dy", access: "read", element }, { name: "dz", access: "read_write", element });
  return list;
}

/** dz = dy * phi'(z), element-wise. Bindings: z and/or y as the derivative needs them, dy, dz (written). */
export const activationBackwardProgram: Program<ActivationConfig> = {
  name: "activation.backward",
  bindings: backwardBindings,
  launch,
  source: (config) => {
    validate(config);
    const body = [
      "let i = gid.x;",
      "if (i >= COUNT) { return; }",
      ...(usesZ(config.activation) ? ["let z = z[i];"] : []),
      ...(usesY(config.activation) ? ["let y = y[i];"] : []),
      `dz[i] = dy[i] * (${derivativeExpression(config.activation, config.slope)});`,
    ].join("\n");
    return sections(header(config, backwardBindings(config)), entryPoint(launch(config).local, body));
  },
};

/** The activation config for `length` elements with the default launch (vec4 when the length allows). */
export function activationConfig(
  activation: ActivationName,
  length: number,
  slope = LEAKY_RELU_SLOPE,
): ActivationConfig {
  return { activation, slope, length, ...DEFAULT_ACTIVATION_TUNING, vec4: length % 4 === 0 };
}
