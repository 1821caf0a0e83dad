// Runs one implementation's workloads in its own process and prints one JSON line per result, so that a peer that
// crashes (a native module, a WebGPU driver) takes down only its own rows.
// Usage: node bench/workloads/worker.mjs <implementation> <smoke|quick|full> [--only <text>]
import { CONV_OPS, workloadName, workloadsFor } from "./cases.mjs";
import { IMPLEMENTATIONS } from "./registry.mjs";
import { DEFAULT_RUNS } from "./stats.mjs";

const [name, mode, ...rest] = process.argv.slice(2);
const onlyAt = rest.indexOf("--only");
const only = onlyAt >= 0 ? rest[onlyAt + 1] : undefined;

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function reason(error) {
  return String(error?.message ?? error)
    .split("\n")[0]
    .slice(0, 300);
}

const open = IMPLEMENTATIONS[name];
if (open === undefined) {
  console.error(
    `unknown implementation ${JSON.stringify(name)}; expected one of ${Object.keys(IMPLEMENTATIONS).join(", ")}`,
  );
  process.exit(2);
}

let implementation;
try {
  implementation = await open();
} catch (error) {
  emit({ implementation: name, unavailable: reason(error) });
  process.exit(0);
}
emit({ implementation: name, info: implementation.info ?? {} });

const runs = { runs: DEFAULT_RUNS };
for (const workload of workloadsFor(mode)) {
  for (const op of workload.kind === "conv" ? (workload.ops ?? CONV_OPS) : [undefined]) {
    const label = workloadName(workload, op);
    if (only !== undefined && !label.includes(only)) continue;
    const key = { implementation: name, workload: workload.kind, case: workload.case?.id, op };
    try {
      const result = await implementation.run(workload, op, runs);
      if (result === undefined) continue;
      emit({ ...key, ...result });
    } catch (error) {
      emit({ ...key, unavailable: reason(error) });
    }
  }
}
await implementation.close?.();
process.exit(0);
