// Runs the deltalab batch methods and their scipy.optimize counterparts on every More-Garbow-Hillstrom problem from
// the standard start, at two tolerances, prints the summary tables and writes bench/results/optim.md, optim.json and
// the scipy reference histories (optim-scipy-reference.json, read by the profile view's notebook).
//   npx tsc -b core && node bench/optim/run.mjs
// The Python interpreter (with scipy) is $DELTALAB_PYTHON, by default the repository's .venv/bin/python.
//
// Every evaluation count in the tables is taken by a wrapper around the objective each side is given, which counts
// the distinct points x at which f (for least squares: r) was evaluated: a method's own count plays no part.
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { core } from "./core.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const python = process.env.DELTALAB_PYTHON ?? `${root}.venv/bin/python`;

/** Solved: f within 1e-4 relative of the best known minimum, with an absolute floor of 1e-10 for minima of 0. */
const solved = (f, best) => f !== null && Number.isFinite(f) && f - best <= 1e-4 * Math.abs(best) + 1e-10;

/**
 * The two settings. "scipy": scipy's own defaults, F = sum r_i^2 (twice deltalab's f), gradient tolerance 1e-5 in
 * the infinity norm, at most 200 n iterations (CG's and BFGS's default); deltalab stops on the gradient alone, while
 * scipy's L-BFGS-B keeps its default relative-reduction test (factr 1e7). "tight": f = 1/2 ||r||^2, gradient
 * tolerance 1e-8, at most 5000 iterations.
 * Levenberg-Marquardt: deltalab at the setting's gradient tolerance (MINPACK's cosine test), scipy's lm at MINPACK's
 * defaults in both.
 */
const SETTINGS = [
  {
    key: "scipy",
    title: "scipy's tolerance: gradient 1e-5 on F = sum r_i^2, scipy's defaults",
    scale: 2,
    gradientTolerance: 1e-5,
    maxIterations: (n) => 200 * n,
    functionTolerance: {},
    pairs: [
      ["cg-polak-ribiere", "CG"],
      ["bfgs", "BFGS"],
      ["lbfgs", "L-BFGS-B"],
      ["levenberg-marquardt", "least_squares lm"],
    ],
  },
  {
    key: "tight",
    title: "deltalab's tolerance: gradient 1e-8 on f = 1/2 ||r||^2",
    scale: 1,
    gradientTolerance: 1e-8,
    maxIterations: () => 5000,
    functionTolerance: {},
    pairs: [
      ["cg-polak-ribiere", "CG"],
      ["bfgs", "BFGS"],
      ["lbfgs", "L-BFGS-B"],
      ["newton-cg", "Newton-CG"],
      ["levenberg-marquardt", "least_squares lm"],
      ["gradient-descent", null],
      ["cg-fletcher-reeves", null],
      ["cg-hestenes-stiefel", null],
    ],
  },
];

/** Goal of each pair (issue 21 item 3): LM is held to the solved count only. */
const COUNT_ONLY = new Set(["levenberg-marquardt"]);

/**
 * The problem seen through an independent counter: F = scale * f, and every call at a point not seen before counts
 * one evaluation, with f = 1/2 ||r||^2 there kept in order (the run's history).
 */
export function countedObjective(problem, scale) {
  const seen = new Set();
  const history = [];
  const see = (x, f) => {
    const key = Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("base64");
    if (seen.has(key)) return;
    seen.add(key);
    history.push(Number.isFinite(f) ? f : null);
  };
  const half = (r) => {
    let s = 0;
    for (const v of r) s += v * v;
    return 0.5 * s;
  };
  const objective = {
    dim: problem.dim,
    residualCount: problem.residualCount,
    regularization: problem.regularization,
    value(x) {
      const f = problem.value(x);
      see(x, f);
      return scale * f;
    },
    valueAndGradient(x, g) {
      const f = problem.valueAndGradient(x, g);
      see(x, f);
      for (let i = 0; i < g.length; i++) g[i] *= scale;
      return scale * f;
    },
    residuals(x, r) {
      problem.residuals(x, r);
      see(x, half(r));
    },
    jacobian: (x, J) => problem.jacobian(x, J),
    jacobianTimes: (x, v, out) => problem.jacobianTimes(x, v, out),
    jacobianTransposeTimes: (x, u, out) => problem.jacobianTransposeTimes(x, u, out),
  };
  return { objective, history, count: () => seen.size };
}

/**
 * [k, f] at every new point k (from 1) where the lowest f so far falls by more than 1e-9 of the way still open
 * (max(|f|, f(x0) - f)), and at the last such fall: what a data profile needs of a history, without the tens of
 * thousands of rounding-level steps a stalled run makes. A dropped step can only make a run look slower.
 */
export function improvements(history) {
  const out = [];
  let best = Infinity;
  let kept = Infinity;
  const f0 = history[0] ?? NaN;
  let last = null;
  history.forEach((f, k) => {
    if (f === null || !(f < best)) return;
    best = f;
    last = [k + 1, Number(f.toPrecision(10))];
    const scale = Math.max(Math.abs(f), Number.isFinite(f0) ? f0 - f : 0);
    if (!(kept - f <= 1e-9 * scale)) {
      kept = f;
      out.push(last);
    }
  });
  if (last && out[out.length - 1] !== last) out.push(last);
  return out;
}

function runDeltalab(problems, setting) {
  const results = [];
  problems.forEach((p, index) => {
    for (const [name] of setting.pairs) {
      const leastSquares = name === "levenberg-marquardt";
      const { objective, history, count } = countedObjective(p, leastSquares ? 1 : setting.scale);
      const r = core.minimize(objective, p.start, name, {
        gradientTolerance: setting.gradientTolerance,
        functionTolerance: setting.functionTolerance[name] ?? 0,
        maxIterations: setting.maxIterations(p.dim),
        trajectoryEvery: 0,
      });
      const f = leastSquares ? r.f : r.f / setting.scale;
      results.push({
        problem: index,
        method: name,
        f: Number.isFinite(f) ? f : null,
        iterations: r.iterations,
        newPoints: count(),
        functionEvaluations: r.functionEvaluations,
        gradientEvaluations: r.gradientEvaluations,
        elapsedMs: r.elapsedMs,
        message: `${r.reason}: ${r.message}`,
        history,
      });
    }
  });
  return results;
}

function runScipy(mode) {
  const out = execFileSync(python, [here("scipy_runner.py"), here("problem-server.mjs"), mode], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
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
const showF = (f) => (f === null || f === undefined ? "NaN" : f.toExponential(3));

function compare(problems, setting, ours, theirs) {
  const find = (list, index, method) => list.find((r) => r.problem === index && r.method === method);
  const rows = [];
  problems.forEach((p, index) => {
    for (const [mine, counterpart] of setting.pairs) {
      const a = find(ours, index, mine);
      const b = counterpart ? find(theirs, index, counterpart) : undefined;
      rows.push({
        problem: `${p.number} ${p.name}`,
        index,
        best: p.minimum,
        method: mine,
        counterpart,
        deltalab: { ...a, solved: solved(a.f, p.minimum) },
        scipy: b ? { ...b, solved: solved(b.f, p.minimum) } : null,
      });
    }
  });
  const verdicts = [];
  const summary = [
    "| deltalab method | solved | median nf (both solved) | scipy method | solved | median nf (both solved) | goal | met |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [mine, counterpart] of setting.pairs) {
    const mineRows = rows.filter((r) => r.method === mine);
    const solvedMine = mineRows.filter((r) => r.deltalab.solved).length;
    if (!counterpart || theirs.length === 0) {
      summary.push(`| ${mine} | ${solvedMine}/${mineRows.length} | - | - | - | - | - | - |`);
      continue;
    }
    const solvedTheirs = mineRows.filter((r) => r.scipy?.solved).length;
    const both = mineRows.filter((r) => r.deltalab.solved && r.scipy?.solved);
    const nfMine = median(both.map((r) => r.deltalab.newPoints));
    const nfTheirs = median(both.map((r) => r.scipy.newPoints));
    const countOnly = COUNT_ONLY.has(mine);
    const met = solvedMine >= solvedTheirs && (countOnly || (nfMine ?? 0) <= (nfTheirs ?? 0));
    const goal = countOnly ? "solves as many" : "solves as many, median nf no larger";
    verdicts.push({ method: mine, counterpart, solvedMine, solvedTheirs, nfMine, nfTheirs, goal, met });
    summary.push(
      `| ${mine} | ${solvedMine}/${mineRows.length} | ${show(nfMine)} | ${counterpart} | ` +
        `${solvedTheirs}/${mineRows.length} | ${show(nfTheirs)} | ${goal} | ${met ? "yes" : "NO"} |`,
    );
  }
  const table = [
    "| problem | method | f* | deltalab f | solved | it | nf | scipy method | scipy f | solved | nf |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => {
      const a = r.deltalab;
      const s = r.scipy;
      return (
        `| ${r.problem} | ${r.method} | ${r.best.toExponential(3)} | ${showF(a.f)} | ${a.solved ? "yes" : "no"} | ` +
        `${a.iterations} | ${a.newPoints} | ${r.counterpart ?? "-"} | ` +
        (s ? `${showF(s.f)} | ${s.solved ? "yes" : "no"} | ${show(s.newPoints)} |` : "- | - | - |")
      );
    }),
  ];
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
  // The method's own count against the wrapper's: it may count a repeat at the same point, never fewer.
  const undercounts = rows.filter((r) => r.deltalab.functionEvaluations < r.deltalab.newPoints).length;
  const repeats = rows.filter((r) => r.deltalab.functionEvaluations > r.deltalab.newPoints).length;
  return { rows, verdicts, summary, table, misses, gains, undercounts, repeats };
}

function main() {
  const problems = core.mghProblems();
  const sections = [];
  const json = { settings: [] };
  const reference = {
    note:
      "scipy.optimize on the More-Garbow-Hillstrom problems from the standard starts (bench/optim/run.mjs): f = 1/2 ||r||^2 " +
      "at every new point each run evaluated, in order; `improvements` lists [k, f] wherever the lowest f so far " +
      "falls, k counting new points from 1 (x0 is k = 1), f to 10 significant digits.",
    problems: problems.map((p) => ({
      number: p.number,
      name: p.name,
      n: p.dim,
      m: p.residualCount,
      minimum: p.minimum,
    })),
    settings: [],
  };
  let allMet = true;
  for (const setting of SETTINGS) {
    const ours = runDeltalab(problems, setting);
    let theirs = [];
    let note = "";
    try {
      theirs = runScipy(setting.key);
    } catch (error) {
      note = `scipy did not run (${python}): ${String(error).split("\n")[0]}`;
    }
    const c = compare(problems, setting, ours, theirs);
    if (c.verdicts.some((v) => !v.met)) allMet = false;
    console.log(`## ${setting.title}\n`);
    console.log(c.summary.join("\n"));
    if (note) console.log(note);
    console.log(
      `deltalab's own function-evaluation count: below the independent count in ${c.undercounts} runs, ` +
        `above it (a repeat at the same point) in ${c.repeats}\n`,
    );
    sections.push(
      `## ${setting.title}`,
      "",
      note,
      ...c.summary,
      "",
      `deltalab's own function-evaluation count is below the independent count in ${c.undercounts} runs and above it ` +
        `(an evaluation repeated at the same point) in ${c.repeats}.`,
      "",
      "### Problems scipy solves and deltalab does not",
      "",
      ...(c.misses.length ? c.misses : ["None."]),
      "",
      "### Problems deltalab solves and scipy does not",
      "",
      ...(c.gains.length ? c.gains : ["None."]),
      "",
      "### Every problem",
      "",
      ...c.table,
      "",
    );
    const strip = (r) => {
      if (!r) return r;
      const copy = { ...r };
      delete copy.history;
      return copy;
    };
    json.settings.push({
      key: setting.key,
      title: setting.title,
      gradientTolerance: setting.gradientTolerance,
      verdicts: c.verdicts,
      rows: c.rows.map((r) => ({ ...r, deltalab: strip(r.deltalab), scipy: strip(r.scipy) })),
    });
    reference.settings.push({
      key: setting.key,
      title: setting.title,
      gradientTolerance: setting.gradientTolerance,
      runs: theirs.map((r) => ({
        problem: r.problem,
        method: r.method,
        f: r.f,
        newPoints: r.newPoints ?? null,
        improvements: improvements(r.history ?? []),
      })),
    });
  }

  const markdown = [
    "# deltalab optimizers vs scipy.optimize on the More-Garbow-Hillstrom problems",
    "",
    "Standard starting points; f* = the paper's sum-of-squares minimum / 2. Solved: f - f* <= 1e-4 |f*| + 1e-10 " +
      "(f = 1/2 ||r||^2). nf: the number of distinct points at which the objective (for least squares: the residuals) " +
      "was evaluated, counted by a wrapper around the function each side is given (bench/optim/run.mjs " +
      "`countedObjective`, scipy_runner.py `NewPointCounter`), not by either side's own count. Both sides evaluate the " +
      "same TypeScript problem definitions: scipy reaches them through bench/optim/problem-server.mjs.",
    "",
    "Two settings. scipy's tolerance: F = sum r_i^2, gradient infinity norm 1e-5 (scipy's default gtol for CG, BFGS " +
      "and L-BFGS-B), at most 200 n iterations; scipy's other options at their defaults (L-BFGS-B also stops when F " +
      "changes by less than 2.2e-9 relative, its default factr), deltalab's methods on the gradient alone. deltalab's " +
      "tolerance: f = 1/2 ||r||^2, gradient 1e-8 (scipy's L-BFGS-B ftol 1e-15 so its gradient test decides), at most " +
      "5000 iterations. Levenberg-Marquardt: deltalab's at the setting's tolerance on MINPACK's cosine test, scipy's " +
      '`least_squares(method="lm", x_scale="jac")` at MINPACK\'s defaults in both.',
    "",
    "Goal (issue 21): CG, BFGS and L-BFGS solve at least as many problems as their scipy counterpart with a median nf " +
      "no larger over the problems both solve; Levenberg-Marquardt solves at least as many as MINPACK's lm.",
    "",
    ...sections,
  ].join("\n");

  const results = here("../results/");
  mkdirSync(results, { recursive: true });
  writeFileSync(`${results}optim.md`, markdown);
  writeFileSync(`${results}optim.json`, JSON.stringify(json, null, 1));
  writeFileSync(`${results}optim-scipy-reference.json`, JSON.stringify(reference));
  console.log(allMet ? "Every goal met." : "Some goal is NOT met (see the tables).");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
