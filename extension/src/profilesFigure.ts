import type { ProfilesPayload, TrainingBenchmark } from "@deltalab/core/payloads";
import type { Figure, Trace } from "./plotly";
import { plotlyText } from "./text";
import type { Theme } from "./theme";

const PALETTE = ["#1f77b4", "#ef6c00", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/** tau as written in the literature: 0.1, 1e-3, 1e-5 (no trailing zeros). */
export function formatTau(tau: number): string {
  return tau >= 0.01 ? String(tau) : tau.toExponential();
}

/**
 * A step function: share of problems (of `count`) whose value is <= x, at each distinct finite value; `problems`
 * names, for each point, the problem whose value makes that step (null at the start point).
 */
export function stepProfile(
  values: readonly number[],
  count: number,
  start: number,
): { x: number[]; y: number[]; problems: (number | null)[] } {
  const finite = values
    .map((v, p) => [v, p] as const)
    .filter(([v]) => Number.isFinite(v))
    .sort((a, b) => a[0] - b[0]);
  const x = [start];
  const y = [finite.filter(([v]) => v <= start).length / count];
  const problems: (number | null)[] = [null];
  finite.forEach(([v, p], i) => {
    if (v <= start) return;
    if (x[x.length - 1] === v) {
      y[y.length - 1] = (i + 1) / count;
      problems[problems.length - 1] = p;
    } else {
      x.push(v);
      y.push((i + 1) / count);
      problems.push(p);
    }
  });
  return { x, y, problems };
}

/**
 * Dolan-More ratios r_{p,s} = t_{p,s} / min_s t_{p,s} of one cost table (Infinity where not solved or where no
 * solver solved the problem), as ratios[s][p].
 */
export function performanceRatios(
  costs: readonly (readonly (number | null)[])[],
  solvers: number,
): number[][] {
  const ratios = Array.from({ length: solvers }, () => [] as number[]);
  for (const row of costs) {
    const finite = row.filter((c): c is number => c !== null);
    const best = finite.length ? Math.min(...finite) : Infinity;
    row.forEach((c, s) => ratios[s].push(c === null || !Number.isFinite(best) ? Infinity : c / best));
  }
  return ratios;
}

/** More-Wild's kappa_{p,s} = t_{p,s} / (n_p + 1), as kappas[s][p]. */
export function simplexGradients(payload: ProfilesPayload, t: number): number[][] {
  return payload.solvers.map((_, s) =>
    payload.costs[t].map((row, p) =>
      row[s] === null ? Infinity : (row[s] as number) / (payload.problems[p].dim + 1),
    ),
  );
}

/** The slider's starting tau: 1e-3 when offered, else the first. */
export function defaultTau(payload: ProfilesPayload): number {
  const i = payload.taus.indexOf(1e-3);
  return i >= 0 ? i : 0;
}

/** What the reader chose: the slider's tau (an index into taus) and the problem whose curves are shown. */
export interface ProfilesViewState {
  tau?: number;
  problem?: number;
}

/**
 * Three panels: the performance profile rho_s(tau) (Dolan-More) and the data profile d_s(kappa) (More-Wild) of the
 * tolerance chosen on the slider, and the convergence curves (lowest f so far against evaluations) of the problem
 * chosen in the menu (or by a click on a step of either profile: the problem that makes that step). Each (tau, solver)
 * pair has its own two traces, shown or hidden by the slider; every profile point carries its problem as customdata.
 */
export function profilesFigure(payload: ProfilesPayload, theme: Theme, view: ProfilesViewState = {}): Figure {
  if (payload.training) return trainingBenchmarkFigure(payload, payload.training, theme);
  const S = payload.solvers.length;
  const P = payload.problems.length;
  const shown = view.tau !== undefined && view.tau < payload.taus.length ? view.tau : defaultTau(payload);
  const chosen = view.problem !== undefined && view.problem < P ? view.problem : 0;
  const data: Trace[] = [];
  const ratiosAt = payload.taus.map((_, t) => performanceRatios(payload.costs[t], S));
  const kappasAt = payload.taus.map((_, t) => simplexGradients(payload, t));
  // every curve runs to the right edge of its panel, where the last step's level is the share solved at all
  const edge = (tables: number[][][], least: number) =>
    1.05 * Math.max(least, ...tables.flat(2).filter((v) => Number.isFinite(v)));
  const ratioEdge = edge(ratiosAt, 2);
  const kappaEdge = edge(kappasAt, 1);
  const extend = (c: { x: number[]; y: number[]; problems: (number | null)[] }, to: number) => ({
    x: [...c.x, to],
    y: [...c.y, c.y[c.y.length - 1]],
    problems: [...c.problems, null],
  });
  payload.taus.forEach((tau, t) => {
    const ratios = ratiosAt[t];
    const kappas = kappasAt[t];
    for (let s = 0; s < S; s++) {
      const color = PALETTE[s % PALETTE.length];
      const name = plotlyText(payload.solvers[s]);
      const perf = extend(stepProfile(ratios[s], P, 1), ratioEdge);
      const dat = extend(stepProfile(kappas[s], P, 0), kappaEdge);
      data.push({
        type: "scatter",
        mode: "lines",
        name,
        legendgroup: name,
        showlegend: true,
        visible: t === shown,
        x: perf.x,
        y: perf.y,
        customdata: perf.problems,
        line: { color, width: 2, shape: "hv" },
        xaxis: "x",
        yaxis: "y",
        hovertemplate: `${name}<br>ratio %{x:.3g}: %{y:.0%} of problems<extra>tau ${formatTau(tau)}</extra>`,
      });
      data.push({
        type: "scatter",
        mode: "lines",
        name,
        legendgroup: name,
        showlegend: false,
        visible: t === shown,
        x: dat.x,
        y: dat.y,
        customdata: dat.problems,
        line: { color, width: 2, shape: "hv" },
        xaxis: "x2",
        yaxis: "y2",
        hovertemplate: `${name}<br>%{x:.3g} simplex gradients: %{y:.0%} solved<extra>tau ${formatTau(tau)}</extra>`,
      });
    }
  });
  const profileTraces = data.length;
  const curves = payload.curves ?? [];
  curves.forEach((row, p) => {
    row.forEach((curve, s) => {
      const name = plotlyText(payload.solvers[s]);
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name,
        legendgroup: name,
        showlegend: false,
        visible: p === chosen,
        x: curve.evaluations,
        y: curve.f,
        line: { color: PALETTE[s % PALETTE.length], width: 1.5, shape: "hv" },
        marker: { size: 3 },
        xaxis: "x3",
        yaxis: "y3",
        hovertemplate: `${name}<br>%{x} evaluations: f %{y:.4g}<extra>${plotlyText(payload.problems[p].name)}</extra>`,
      });
    });
  });
  const profileIndices = Array.from({ length: profileTraces }, (_, i) => i);
  const curveIndices = Array.from({ length: data.length - profileTraces }, (_, i) => profileTraces + i);
  const axis = { color: theme.foreground, gridcolor: theme.grid, zerolinecolor: theme.grid };
  const hasCurves = curveIndices.length > 0;
  const status = payload.complete ? "" : " (interrupted: the runs finished so far)";
  return {
    data,
    layout: {
      // The title on the top line, the legend on the next one, so neither covers the other.
      title: {
        text: plotlyText(`${payload.title ?? "optimizer profiles"}${status}`),
        yref: "container",
        y: 0.99,
        yanchor: "top",
      },
      uirevision: "profiles",
      xaxis: { ...axis, type: "log", title: { text: "tau (ratio to the best solver)" }, domain: [0, 0.46] },
      yaxis: {
        ...axis,
        range: [0, 1.02],
        title: { text: "rho(tau)" },
        tickformat: ".0%",
        domain: hasCurves ? [0.52, 1] : [0, 1],
      },
      xaxis2: {
        ...axis,
        title: { text: "kappa (simplex gradients, n + 1 evaluations)" },
        domain: [0.54, 1],
        anchor: "y2",
      },
      yaxis2: {
        ...axis,
        range: [0, 1.02],
        title: { text: "d(kappa)" },
        tickformat: ".0%",
        anchor: "x2",
        domain: hasCurves ? [0.52, 1] : [0, 1],
      },
      ...(hasCurves
        ? {
            xaxis3: { ...axis, title: { text: "evaluations" }, anchor: "y3", domain: [0, 1] },
            yaxis3: {
              ...axis,
              type: "log",
              exponentformat: "e",
              title: { text: "lowest f so far" },
              anchor: "x3",
              domain: [0, 0.3],
            },
            updatemenus: [
              {
                type: "dropdown",
                x: 0,
                y: 0.365,
                xanchor: "left",
                yanchor: "top",
                active: chosen,
                buttons: payload.problems.map((problem, p) => ({
                  label: plotlyText(problem.name),
                  method: "restyle",
                  args: [
                    { visible: curveIndices.map((i) => Math.floor((i - profileTraces) / S) === p) },
                    curveIndices,
                  ],
                })),
              },
            ],
          }
        : {}),
      sliders: [
        {
          active: shown,
          currentvalue: { prefix: "tau = " },
          pad: { t: 50 },
          steps: payload.taus.map((tau, t) => ({
            label: formatTau(tau),
            method: "restyle",
            args: [{ visible: profileIndices.map((i) => Math.floor(i / (2 * S)) === t) }, profileIndices],
          })),
        },
      ],
      paper_bgcolor: theme.background,
      plot_bgcolor: theme.background,
      font: { family: theme.fontFamily, color: theme.foreground, size: theme.fontSize },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      margin: { l: 60, r: 20, t: 90, b: 40 },
      height: hasCurves ? 640 : 420,
    },
    config: { responsive: false, displaylogo: false },
  };
}

/**
 * A minibatch benchmark on one network: each solver's training loss against epochs (left) and against the seconds
 * spent training (right), one colour per solver in both; a diverged run ends where it diverged.
 */
export function trainingBenchmarkFigure(
  payload: ProfilesPayload,
  training: TrainingBenchmark,
  theme: Theme,
): Figure {
  const data: Trace[] = [];
  training.runs.forEach((run, s) => {
    const color = PALETTE[s % PALETTE.length];
    const name = plotlyText(payload.solvers[s] + (run.diverged ? " (diverged)" : ""));
    const common = {
      type: "scatter" as const,
      mode: "lines+markers",
      name,
      legendgroup: name,
      y: run.loss,
      visible: true,
    };
    data.push({
      ...common,
      x: run.epochs,
      xaxis: "x",
      yaxis: "y",
      line: { color },
      marker: { color, size: 5 },
      showlegend: true,
    });
    data.push({
      ...common,
      x: run.seconds,
      xaxis: "x2",
      yaxis: "y2",
      line: { color },
      marker: { color, size: 5 },
      showlegend: false,
      hovertemplate: "%{x:.3g} s: loss %{y:.4g}<extra>%{fullData.name}</extra>",
    });
  });
  const axis = { color: theme.foreground, gridcolor: theme.grid, zerolinecolor: theme.grid };
  const status = payload.complete ? "" : " (interrupted: the epochs finished so far)";
  return {
    data,
    layout: {
      title: {
        text: plotlyText(`${payload.title ?? "minibatch optimizers"}${status}`),
        yref: "container",
        y: 0.99,
        yanchor: "top",
      },
      xaxis: { ...axis, title: { text: "epoch" }, domain: [0, 0.46], dtick: 1 },
      yaxis: { ...axis, title: { text: `training loss (${training.samples} samples)` } },
      xaxis2: { ...axis, title: { text: "seconds of training" }, domain: [0.54, 1], anchor: "y2" },
      yaxis2: { ...axis, anchor: "x2", matches: "y" },
      paper_bgcolor: theme.background,
      plot_bgcolor: theme.background,
      font: { family: theme.fontFamily, color: theme.foreground, size: theme.fontSize },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      margin: { l: 60, r: 20, t: 90, b: 50 },
      height: 420,
    },
    config: { responsive: false, displaylogo: false },
  };
}

/** A minibatch benchmark's table: final loss, held-out accuracy, seconds, and the epochs to pass each tau. */
function trainingTable(payload: ProfilesPayload, training: TrainingBenchmark) {
  const headers = [
    "optimizer",
    "epochs",
    "final loss",
    "test accuracy",
    "seconds",
    ...payload.taus.map((tau) => `epochs to tau ${formatTau(tau)}`),
  ];
  const rows = training.runs.map((run, s) => {
    const last = run.epochs.length - 1;
    return [
      payload.solvers[s],
      `${run.epochs[last] ?? 0}${run.diverged ? " (diverged)" : ""}`,
      last >= 0 ? Number(run.loss[last].toPrecision(4)).toString() : "-",
      run.testAccuracy && last >= 0 ? run.testAccuracy[last].toFixed(3) : "-",
      last >= 0 ? run.seconds[last].toFixed(2) : "-",
      ...payload.costs.map((table) => String(table[0]?.[s] ?? "-")),
    ];
  });
  return { headers, rows };
}

/** Per solver and tau: problems solved and the median evaluations where solved (the table under the plot). */
export function profileTable(payload: ProfilesPayload): { headers: string[]; rows: string[][] } {
  if (payload.training) return trainingTable(payload, payload.training);
  const headers = ["optimizer", ...payload.taus.map((tau) => `tau ${formatTau(tau)}: solved, median evals`)];
  const rows = payload.solvers.map((solver, s) => [
    solver,
    ...payload.costs.map((table) => {
      const solved = table
        .map((row) => row[s])
        .filter((c): c is number => c !== null)
        .sort((a, b) => a - b);
      const mid = Math.floor(solved.length / 2);
      const median =
        solved.length === 0
          ? "-"
          : String(solved.length % 2 ? solved[mid] : (solved[mid - 1] + solved[mid]) / 2);
      return `${solved.length}/${payload.problems.length}, ${median}`;
    }),
  ]);
  return { headers, rows };
}
