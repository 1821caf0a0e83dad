// What the figures were measured on: the processor, its vector extensions, cores, memory and load.
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

/** The flags that decide which kernels a library can use. */
const VECTOR_FLAGS = [
  "sse4_2",
  "avx",
  "avx2",
  "fma",
  "f16c",
  "avx512f",
  "avx512bw",
  "avx512vl",
  "avx512_vnni",
  "avx512_bf16",
  "amx_tile",
];

export function describeMachine() {
  let model = cpus()[0]?.model ?? "unknown";
  let flags = [];
  try {
    const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? model;
    const all = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "").split(/\s+/));
    flags = VECTOR_FLAGS.filter((f) => all.has(f));
  } catch {
    // Not Linux: the model from os.cpus() is all there is.
  }
  return {
    cpu: model,
    vectorFlags: flags,
    logicalCores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
