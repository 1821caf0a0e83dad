#!/usr/bin/env node
// deltalab against its peers on this machine (issue #10). Usage, from the repository root:
//   node bench/run.mjs --quick            convolutions, LeNet-5 step and inference, SGEMM ceiling, the kernels'
//                                         start-up and round trip against tslab's (several minutes)
//   node bench/run.mjs --full             also one Fashion-MNIST epoch and the 41x41 loss surface
//   node bench/run.mjs --smoke            one tiny convolution on deltalab's CPU path, checked; no peers, no install
//   --only <text>                         only the workloads whose name contains <text> (e.g. "lenet-c3 forward");
//                                         results are printed, not written
//   node bench/run.mjs --readme           copy results.md's ratio table into the README (quick and full runs do this)
//   node bench/run.mjs --rerender         write results.md and the README's table again from results.json
//   --impl <a,b>                          only these implementations (names in bench/workloads/registry.mjs,
//                                         plus pytorch, kernels)
//   --merge                               with --impl or --only: put the rows measured into results.json in place of
//                                         the recorded ones (the report names them, with their date and commit)
// Quick and full runs first set up what is missing: the workspace build, bench/node_modules, bench/.venv-torch.
// They write bench/results/results.{json,md} and bench/results/machine.json.
import { spawn, spawnSync } from "node:child_process";
import { clearTimeout, setTimeout } from "node:timers";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);

function parseArgs(argv) {
  const options = { mode: "quick", only: undefined, impl: undefined, merge: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--smoke" || arg === "--quick" || arg === "--full") options.mode = arg.slice(2);
    else if (arg === "--merge") options.merge = true;
    else if (arg === "--only" || arg === "--impl") {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      options[arg.slice(2)] = arg === "--impl" ? value.split(",") : value;
    } else
      throw new Error(
        `unknown argument ${JSON.stringify(arg)}; expected --smoke, --quick, --full, --only <text>, --impl <names>, --merge`,
      );
  }
  return options;
}

/** Runs a command, feeding `input`, and returns its JSON lines; a crash or a time-out becomes one unavailable record. */
function collect(name, command, args, { input, timeoutS, env = {} }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const records = [];
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutS * 1000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      let newline;
      while ((newline = stdout.indexOf("\n")) >= 0) {
        const line = stdout.slice(0, newline).trim();
        stdout = stdout.slice(newline + 1);
        if (!line.startsWith("{")) continue;
        const record = JSON.parse(line);
        records.push(record);
        const label = [record.workload, record.case, record.op].filter(Boolean).join(" ");
        const outcome = record.unavailable
          ? `unavailable: ${record.unavailable}`
          : record.medianMs !== undefined
            ? `${record.medianMs.toFixed(3)} ms`
            : record.ceiling !== undefined
              ? `ceiling ${JSON.stringify(record.ceiling.multiplyAdd ?? record.ceiling)}`
              : "loaded";
        console.error(`[bench] ${name} ${label} ${outcome}`);
      }
    });
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve([{ implementation: name, unavailable: `could not start: ${error.message}` }]);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || signal !== null) {
        const why = signal === "SIGKILL" ? `timed out after ${timeoutS} s` : `exited with ${code ?? signal}`;
        const tail =
          stderr
            .trim()
            .split("\n")
            .filter((l) => !/^Warning:/.test(l))
            .slice(-1)[0] ?? "";
        const hadResults = records.some((r) => r.workload !== undefined);
        records.push(
          hadResults
            ? { implementation: name, crashed: `${why}: ${tail}` }
            : { implementation: name, unavailable: `${why}: ${tail}`.slice(0, 300) },
        );
      }
      input?.end?.();
      resolve(records);
    });
    child.stdin.end(input ?? "");
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.mode === "smoke") {
    const { smoke } = await import("./workloads/smoke.mjs");
    console.log(JSON.stringify(await smoke()));
    return;
  }
  const { setupBenchModules, setupTorch, setupWorkspace } = await import("./workloads/setup.mjs");
  try {
    setupWorkspace(root);
  } catch (error) {
    // A build that fails half-way leaves the previous build in place; measure that one rather than nothing.
    const built = ["core", "shaders", "kernel"].every((p) => existsSync(join(root, p, "dist", "index.js")));
    if (!built) throw error;
    console.error(`[bench] setup failed (${error.message}); measuring the existing build`);
  }
  setupBenchModules(root);
  setupTorch(root);

  const cases = await import("./workloads/cases.mjs");
  const { IMPLEMENTATIONS } = await import("./workloads/registry.mjs");
  const { describeMachine } = await import("./workloads/machine.mjs");
  const report = await import("./workloads/report.mjs");
  const machine = describeMachine();
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  if (head.status === 0) machine.commit = head.stdout.trim();
  const status = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: root,
    encoding: "utf8",
  });
  if (status.status === 0) machine.uncommittedChanges = status.stdout.trim() !== "";
  const startedAt = new Date().toISOString();
  const timeoutS = options.mode === "full" ? 3600 : 900;
  const wanted = (name) => options.impl === undefined || options.impl.includes(name);
  const onlyArgs = options.only === undefined ? [] : ["--only", options.only];
  const records = [];

  for (const name of Object.keys(IMPLEMENTATIONS).filter(wanted)) {
    const worker = join(bench, "workloads", "worker.mjs");
    records.push(
      ...(await collect(name, process.execPath, ["--expose-gc", worker, name, options.mode, ...onlyArgs], {
        timeoutS,
      })),
    );
  }
  if (wanted("pytorch")) {
    const plan = JSON.stringify(cases.workloadPlan(options.mode));
    const python = join(bench, ".venv-torch", "bin", "python");
    records.push(
      ...(await collect("pytorch", python, [join(bench, "torch", "bench.py"), ...onlyArgs], {
        input: plan,
        timeoutS,
      })),
    );
  }
  const kernelsWanted =
    wanted("kernels") &&
    (options.only === undefined ||
      ["kernel start-up", "kernel round-trip"].some((label) => label.includes(options.only)));
  if (kernelsWanted) {
    const python = join(root, ".venv", "bin", "python");
    const script = join(bench, "workloads", "kernel_startup.py");
    const kernels = {
      deltalab: [process.execPath, join(root, "kernel", "dist", "bin.js"), "kernel", "{connection_file}"],
      tslab: [
        process.execPath,
        join(root, "node_modules", "tslab", "bin", "tslab"),
        "kernel",
        "--config-path",
        "{connection_file}",
      ],
    };
    for (const [name, argv] of Object.entries(kernels)) {
      records.push(
        ...(await collect(name, python, [script, name, JSON.stringify(argv), "7", "7"], { timeoutS: 600 })),
      );
    }
  }

  const webgpu = records.find((r) => r.implementation === "deltalab-webgpu" && r.info);
  if (webgpu) machine.adapter = `${webgpu.info.adapter}, Dawn ${webgpu.info.dawnBackend} backend`;
  machine.loadAverageAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);
  const analysis = report.analyse(records, {
    cases: [...cases.CONV_CASES, cases.SMOKE_CASE],
    machine,
    mode: options.mode,
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  const text = report.markdown(analysis) + report.setupNotes(analysis);
  if (options.only !== undefined || options.impl !== undefined) {
    console.log(text);
    if (options.merge) mergeIntoResults(analysis, report);
    return;
  }
  const out = join(bench, "results");
  if (!existsSync(out)) mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), `${JSON.stringify(analysis, null, 1)}\n`);
  writeFileSync(join(out, "results.md"), text);
  writeFileSync(join(out, "machine.json"), `${JSON.stringify(machine, null, 1)}\n`);
  console.log(text);
  updateReadme(text);
}

const README_START = "<!-- bench:start -->";
const README_END = "<!-- bench:end -->";

/**
 * Puts the run's heading, machine line and ratio table (deltalab's fastest backend against each peer) between the
 * README's bench markers, so the README shows the latest recorded run. `--readme` does this from results.md alone.
 */
function updateReadme(text) {
  const readmePath = join(root, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} ... ${README_END} section`);
  const lines = text.split("\n");
  const heading = lines.find((line) => line.startsWith("### "))?.slice(4) ?? "deltalab against its peers";
  const ratioAt = lines.findIndex((line) => line.startsWith("Peer's median time"));
  if (ratioAt < 0) throw new Error("results.md has no ratio table");
  let ratioEnd = ratioAt + 2;
  while (ratioEnd < lines.length && lines[ratioEnd].startsWith("|")) ratioEnd++;
  const goalsAt = lines.findIndex((line) => line.startsWith("Goals for deltalab WASM"));
  let goalsEnd = goalsAt + 2;
  while (goalsAt >= 0 && goalsEnd < lines.length && lines[goalsEnd].startsWith("|")) goalsEnd++;
  const ceilingLine = lines.find((line) => line.startsWith("WebAssembly ceiling"));
  const summary = [
    `${heading}; every figure, the machine and the ceilings in [bench/results/results.md](bench/results/results.md).`,
    "",
    ...lines.slice(ratioAt, ratioEnd),
    ...(ceilingLine ? ["", ceilingLine] : []),
    ...(goalsAt >= 0 ? ["", ...lines.slice(goalsAt, goalsEnd)] : []),
  ].join("\n");
  const updated = `${readme.slice(0, start + README_START.length)}\n\n${summary}\n\n${readme.slice(end)}`;
  writeFileSync(readmePath, updated);
  // Aligned as the lint layer's `prettier --check` wants it.
  spawnSync(
    process.execPath,
    [join(root, "node_modules", "prettier", "bin", "prettier.cjs"), "--write", readmePath],
    {
      stdio: "ignore",
    },
  );
}

if (process.argv.includes("--readme")) {
  updateReadme(readFileSync(join(bench, "results", "results.md"), "utf8"));
} else if (process.argv.includes("--rerender")) {
  rerender().catch(fail);
} else {
  main().catch(fail);
}

/**
 * Replaces the recorded rows that a partial run (--impl, --only) measured again, and notes which rows were
 * re-measured, when and at which commit, so that the report never passes them off as part of the first run.
 */
function mergeIntoResults(partial, report) {
  const file = join(bench, "results", "results.json");
  const recorded = JSON.parse(readFileSync(file, "utf8"));
  const keys = partial.rows.map((row) => row.key);
  recorded.rows = [...recorded.rows.filter((row) => !keys.includes(row.key)), ...partial.rows];
  Object.assign(recorded.implementations, partial.implementations);
  if (partial.wasmCeiling) recorded.wasmCeiling = partial.wasmCeiling;
  const { commit, uncommittedChanges, loadAverageAtStart, loadAverageAtEnd } = partial.machine;
  recorded.remeasured = [
    ...(recorded.remeasured ?? []).filter((entry) => !entry.keys.every((key) => keys.includes(key))),
    {
      keys,
      startedAt: partial.startedAt,
      command: `node bench/run.mjs ${process.argv.slice(2).join(" ")}`,
      commit,
      uncommittedChanges,
      loadAverageAtStart,
      loadAverageAtEnd,
    },
  ];
  writeFileSync(file, `${JSON.stringify(recorded, null, 1)}\n`);
  const text = report.markdown(recorded) + report.setupNotes(recorded);
  writeFileSync(join(bench, "results", "results.md"), text);
  updateReadme(text);
}

/** Writes results.md and the README's table again from results.json (after a change to the report's wording). */
async function rerender() {
  const report = await import("./workloads/report.mjs");
  const analysis = JSON.parse(readFileSync(join(bench, "results", "results.json"), "utf8"));
  const text = report.markdown(analysis) + report.setupNotes(analysis);
  writeFileSync(join(bench, "results", "results.md"), text);
  updateReadme(text);
}

function fail(error) {
  console.error(`bench: ${error.message}`);
  process.exit(1);
}
