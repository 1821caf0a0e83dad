// Runs every deltalab batch method and its scipy.optimize counterpart on every More-Garbow-Hillstrom problem from
// the standard start, prints one side-by-side table and writes bench/results/optim.md and optim.json.
//   npx tsc -b core && node bench/optim/run.mjs
// The Python interpreter (with scipy) is $DELTALAB_PYTHON, by default the repository's .venv/bin/python.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { core } from "./core.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const python = process.env.DELTALAB_PYTHON ?? `${root}.venv/bin/python`;

const GRADIENT_TOLERANCE = 1e-8;
const MAX_ITERATIONS = 5000;
/** Solved: f within 1e-4 relative of the best known minimum, with an absolute floor of 1e-10 for minima of 0. */
const solved = (f, best) => f !== null && Number.isFinite(f) && f - best <= 1e-4 * Math.abs(best) + 1e-10;

/** deltalab method -> its scipy counterpart (null: none in scipy.optimize). */
const PAIRS = [
  ["cg-polak-ribiere", "CG"],
  ["bfgs", "BFGS"],
  ["lbfgs", "L-BFGS-B"],
  ["newton-cg", "Newton-CG"],
  ["levenberg-marquardt", "least_squares lm"],
  ["gradient-descent", null],
  ["cg-fletcher-reeves", null],
  ["cg-hestenes-stiefel", null],
];

function runDeltalab(problems) {
  const results = [];
  problems.forEach((p, index) => {
    for (const [name] of PAIRS) {
      const r = core.minimize(p, p.start, name, {
        gradientTolerance: GRADIENT_TOLERANCE,
        maxIterations: MAX_ITERATIONS,
        trajectoryEvery: 0,
      });
      results.push({
        problem: index,
        method: name,
        f: Number.isFinite(r.f) ? r.f : null,
        iterations: r.iterations,
        functionEvaluations: r.functionEvaluations,
        gradientEvaluations: r.gradientEvaluations,
        elapsedMs: r.elapsedMs,
        message: `${r.reason}: ${r.message}`,
      });
    }
  });
  return results;
}

function runScipy() {
  const out = execFileSync(python, [here("scipy_runner.py"), here("problem-server.mjs")], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

const median = (values) => {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const show = (v) => (v === null || v === undefined ? "-" : String(v));
const showF = (f) => (f === null ? "NaN" : f.toExponential(3));

function main() {
  const problems = core.mghProblems();
  const ours = runDeltalab(problems);
  let theirs = [];
  let scipyNote = "";
  try {
    theirs = runScipy();
  } catch (error) {
    scipyNote = `scipy did not run (${python}): ${String(error).split("\n")[0]}`;
  }
  const find = (list, index, method) => list.find((r) => r.problem === index && r.method === method);

  const rows = [];
  const table = [
    "| problem | method | f* | deltalab f | solved | it | nf | ng | scipy method | scipy f | solved | it | nf | ng |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  problems.forEach((p, index) => {
    for (const [mine, counterpart] of PAIRS) {
      const a = find(ours, index, mine);
      const b = counterpart ? find(theirs, index, counterpart) : undefined;
      const row = {
        problem: `${p.number} ${p.name}`,
        best: p.minimum,
        deltalab: { ...a, solved: solved(a.f, p.minimum) },
        scipy: b ? { ...b, solved: solved(b.f, p.minimum) } : null,
      };
      rows.push({ method: mine, counterpart, ...row });
      const s = row.scipy;
      table.push(
        `| ${row.problem} | ${mine} | ${p.minimum.toExponential(3)} | ${showF(a.f)} | ${row.deltalab.solved ? "yes" : "no"} | ` +
          `${a.iterations} | ${a.functionEvaluations} | ${a.gradientEvaluations} | ${counterpart ?? "-"} | ` +
          (s
            ? `${showF(s.f)} | ${s.solved ? "yes" : "no"} | ${show(s.iterations)} | ${show(s.functionEvaluations)} | ${show(s.gradientEvaluations)} |`
            : "- | - | - | - | - |"),
      );
    }
  });

  const summary = [
    "| deltalab method | solved | median nf (all) | median nf (both solved) | scipy method | solved | median nf (all) | median nf (both solved) | goal met |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  const verdicts = [];
  for (const [mine, counterpart] of PAIRS) {
    const mineRows = rows.filter((r) => r.method === mine);
    const solvedMine = mineRows.filter((r) => r.deltalab.solved).length;
    const nfMine = median(mineRows.map((r) => r.deltalab.functionEvaluations));
    if (!counterpart || theirs.length === 0) {
      summary.push(
        `| ${mine} | ${solvedMine}/${mineRows.length} | ${show(nfMine)} | - | - | - | - | - | - |`,
      );
      continue;
    }
    const solvedTheirs = mineRows.filter((r) => r.scipy?.solved).length;
    const nfTheirs = median(mineRows.map((r) => r.scipy?.functionEvaluations ?? null));
    const both = mineRows.filter((r) => r.deltalab.solved && r.scipy?.solved);
    const nfMineBoth = median(both.map((r) => r.deltalab.functionEvaluations));
    const nfTheirsBoth = median(both.map((r) => r.scipy.functionEvaluations));
    const met = solvedMine >= solvedTheirs && (nfMineBoth ?? 0) <= (nfTheirsBoth ?? 0);
    verdicts.push({ method: mine, counterpart, solvedMine, solvedTheirs, nfMineBoth, nfTheirsBoth, met });
    summary.push(
      `| ${mine} | ${solvedMine}/${mineRows.length} | ${show(nfMine)} | ${show(nfMineBoth)} | ${counterpart} | ` +
        `${solvedTheirs}/${mineRows.length} | ${show(nfTheirs)} | ${show(nfTheirsBoth)} | ${met ? "yes" : "no"} |`,
    );
  }

  const misses = rows
    .filter((r) => r.scipy?.solved && !r.deltalab.solved)
    .map(
      (r) =>
        `- ${r.problem}: ${r.method} stopped at f = ${showF(r.deltalab.f)} (${r.deltalab.message}); ${r.counterpart} solved it`,
    );
  const gains = rows
    .filter((r) => r.scipy && !r.scipy.solved && r.deltalab.solved)
    .map(
      (r) =>
        `- ${r.problem}: ${r.method} solved it; ${r.counterpart} stopped at f = ${showF(r.scipy.f)} (${r.scipy.message})`,
    );

  const markdown = [
    "# deltalab optimizers vs scipy.optimize on the More-Garbow-Hillstrom problems",
    "",
    `Objective f = 1/2 ||r||^2 (f* = the paper's sum-of-squares minimum / 2), standard starting points, gradient ` +
      `tolerance ${GRADIENT_TOLERANCE} (infinity norm) where the method has one, at most ${MAX_ITERATIONS} iterations. ` +
      "Solved: f - f* <= 1e-4 |f*| + 1e-10. nf / ng: function / gradient evaluations (for least squares: residual / " +
      "Jacobian evaluations; deltalab's Newton-CG counts each J v and J^T u product as a gradient evaluation, scipy's " +
      "Newton-CG reports its Hessian-vector products separately, in optim.json). Both sides evaluate the same " +
      "TypeScript problem definitions: scipy reaches them through bench/optim/problem-server.mjs.",
    "",
    scipyNote,
    "## Summary",
    "",
    ...summary,
    "",
    "Goal met: the deltalab method solves at least as many problems as its scipy counterpart, with a median nf no " +
      "larger over the problems both solve.",
    "",
    "## Problems scipy solves and deltalab does not",
    "",
    ...(misses.length ? misses : ["None."]),
    "",
    "## Problems deltalab solves and scipy does not",
    "",
    ...(gains.length ? gains : ["None."]),
    "",
    "## Every problem",
    "",
    ...table,
    "",
  ].join("\n");

  console.log(summary.join("\n"));
  console.log("");
  console.log(table.join("\n"));
  console.log("");
  console.log(
    ["Problems scipy solves and deltalab does not:", ...(misses.length ? misses : ["none"])].join("\n"),
  );
  if (scipyNote) console.log(scipyNote);
  const results = here("../results/");
  mkdirSync(results, { recursive: true });
  writeFileSync(`${results}optim.md`, markdown);
  writeFileSync(
    `${results}optim.json`,
    JSON.stringify({ gradientTolerance: GRADIENT_TOLERANCE, rows, verdicts }, null, 2),
  );
}

main();
