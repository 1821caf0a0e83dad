// Serves the More-Garbow-Hillstrom problems of @deltalab/core over stdin/stdout, one JSON request per line, so
// that scipy runs on exactly the residuals and Jacobians deltalab uses.
//   {"op": "list"}                       -> [{number, name, n, m, start, minimum, localMinima}]
//   {"op": "r" | "J" | "rJ", "problem": k, "x": [...]} -> {"r": [...]} and/or {"J": [[...], ...]}
import { createInterface } from "node:readline";
import { core } from "./core.mjs";

const problems = core.mghProblems();

function handle(request) {
  if (request.op === "list") {
    return problems.map((p) => ({
      number: p.number,
      name: p.name,
      n: p.dim,
      m: p.residualCount,
      start: Array.from(p.start),
      minimum: p.minimum,
      localMinima: p.publishedLocalMinima.map((v) => v / 2),
    }));
  }
  const p = problems[request.problem];
  if (!p) throw new Error(`no problem at index ${request.problem}`);
  const x = Float64Array.from(request.x);
  const reply = {};
  if (request.op.includes("r")) {
    const r = new Float64Array(p.residualCount);
    p.residuals(x, r);
    reply.r = Array.from(r, (v) => (Number.isFinite(v) ? v : String(v)));
  }
  if (request.op.includes("J")) {
    const n = p.dim;
    const J = new Float64Array(p.residualCount * n);
    p.jacobian(x, J);
    reply.J = Array.from({ length: p.residualCount }, (_, i) =>
      Array.from(J.subarray(i * n, (i + 1) * n), (v) => (Number.isFinite(v) ? v : String(v))),
    );
  }
  return reply;
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let reply;
  try {
    reply = handle(JSON.parse(line));
  } catch (error) {
    reply = { error: String(error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
