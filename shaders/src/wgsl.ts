/**
 * Plain functions that build the recurring parts of WGSL source: storage declarations, the entry point and
 * literals. Kernels compose these with their own bodies; no nested template snippets.
 */
import { BindingSpec, Extent3 } from "./program";

/** `@group(0) @binding(i) var<storage, access> name: array<element>;` for each binding, in order. */
export function storageDeclarations(bindings: readonly BindingSpec[]): string {
  return bindings
    .map(
      (b, i) => `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.element ?? "f32"}>;`,
    )
    .join("\n");
}

/** The compute entry point `main` with the invocation builtins every kernel may use. */
export function entryPoint(local: Extent3, body: string): string {
  return [
    `@compute @workgroup_size(${local.join(", ")})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>,",
    "        @builtin(local_invocation_id) lid: vec3<u32>,",
    "        @builtin(workgroup_id) wid: vec3<u32>) {",
    indent(body),
    "}",
  ].join("\n");
}

/** `const name: u32 = value;` for each entry: shapes are compiled into the shader. */
export function u32Constants(constants: Readonly<Record<string, number>>): string {
  return Object.entries(constants)
    .map(([name, value]) => `const ${name}: u32 = ${u32(value)}u;`)
    .join("\n");
}

/** A WGSL f32 literal that round-trips the JavaScript number's float32 value. */
export function f32(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`WGSL has no literal for ${value}`);
  const text = String(Math.fround(value));
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

export function u32(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`${value} is not a u32`);
  }
  return String(value);
}

export function indent(text: string, spaces = 2): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line.length > 0 ? pad + line : line))
    .join("\n");
}

/** Joins source sections with blank lines, dropping empty ones. */
export function sections(...parts: string[]): string {
  return parts.filter((p) => p.trim().length > 0).join("\n\n") + "\n";
}
