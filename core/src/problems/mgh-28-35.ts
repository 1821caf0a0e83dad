import { mghProblem, requireSize, type MghProblem } from "./least-squares";

/*
 * More-Garbow-Hillstrom problems 28-35 (ACM TOMS 7(1), 1981), the ones of variable dimension, at the sizes for
 * which the paper publishes minima. Indices below are 0-based: the paper's x_j is x[j - 1].
 */

/** t_j = j h, h = 1 / (n + 1), and the start x_j = t_j (t_j - 1) shared by problems 28 and 29. */
function grid(n: number) {
  const h = 1 / (n + 1);
  const t = Array.from({ length: n }, (_, j) => (j + 1) * h);
  return { h, t, start: t.map((tj) => tj * (tj - 1)) };
}

export function discreteBoundaryValue(n = 10): MghProblem {
  const { h, t, start } = grid(n);
  return mghProblem({
    number: 28,
    name: `discrete boundary value (n = ${n})`,
    n,
    m: n,
    start,
    publishedSumOfSquares: 0,
    residuals: (x, r) => {
      for (let i = 0; i < n; i++) {
        const left = i > 0 ? x[i - 1] : 0;
        const right = i < n - 1 ? x[i + 1] : 0;
        r[i] = 2 * x[i] - left - right + (h * h * (x[i] + t[i] + 1) ** 3) / 2;
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i++) {
        J[i * n + i] = 2 + (3 * h * h * (x[i] + t[i] + 1) ** 2) / 2;
        if (i > 0) J[i * n + i - 1] = -1;
        if (i < n - 1) J[i * n + i + 1] = -1;
      }
    },
  });
}

export function discreteIntegralEquation(n = 10): MghProblem {
  const { h, t, start } = grid(n);
  const weight = (i: number, j: number) => (j <= i ? (1 - t[i]) * t[j] : t[i] * (1 - t[j]));
  return mghProblem({
    number: 29,
    name: `discrete integral equation (n = ${n})`,
    n,
    m: n,
    start,
    publishedSumOfSquares: 0,
    residuals: (x, r) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += weight(i, j) * (x[j] + t[j] + 1) ** 3;
        r[i] = x[i] + (h * s) / 2;
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) J[i * n + j] = (h * weight(i, j) * 3 * (x[j] + t[j] + 1) ** 2) / 2;
        J[i * n + i] += 1;
      }
    },
  });
}

export function broydenTridiagonal(n = 10): MghProblem {
  return mghProblem({
    number: 30,
    name: `broyden tridiagonal (n = ${n})`,
    n,
    m: n,
    start: new Array(n).fill(-1),
    publishedSumOfSquares: 0,
    residuals: (x, r) => {
      for (let i = 0; i < n; i++) {
        const left = i > 0 ? x[i - 1] : 0;
        const right = i < n - 1 ? x[i + 1] : 0;
        r[i] = (3 - 2 * x[i]) * x[i] - left - 2 * right + 1;
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i++) {
        J[i * n + i] = 3 - 4 * x[i];
        if (i > 0) J[i * n + i - 1] = -1;
        if (i < n - 1) J[i * n + i + 1] = -2;
      }
    },
  });
}

/** Broyden banded with lower bandwidth 5 and upper bandwidth 1. */
export function broydenBanded(n = 10): MghProblem {
  const band = (i: number) => {
    const js: number[] = [];
    for (let j = Math.max(0, i - 5); j <= Math.min(n - 1, i + 1); j++) if (j !== i) js.push(j);
    return js;
  };
  return mghProblem({
    number: 31,
    name: `broyden banded (n = ${n})`,
    n,
    m: n,
    start: new Array(n).fill(-1),
    publishedSumOfSquares: 0,
    residuals: (x, r) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (const j of band(i)) s += x[j] * (1 + x[j]);
        r[i] = x[i] * (2 + 5 * x[i] * x[i]) + 1 - s;
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i++) {
        J[i * n + i] = 2 + 15 * x[i] * x[i];
        for (const j of band(i)) J[i * n + j] = -(1 + 2 * x[j]);
      }
    },
  });
}

/** Minimum m - n at x = (-1, ..., -1). */
export function linearFullRank(n = 10, m = 20): MghProblem {
  requireSize("linear full rank", m >= n, `needs m >= n, got n = ${n}, m = ${m}`);
  return mghProblem({
    number: 32,
    name: `linear full rank (n = ${n}, m = ${m})`,
    n,
    m,
    start: new Array(n).fill(1),
    publishedSumOfSquares: m - n,
    minimizer: new Array(n).fill(-1),
    residuals: (x, r) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += x[j];
      for (let i = 0; i < m; i++) r[i] = (i < n ? x[i] : 0) - (2 / m) * s - 1;
    },
    jacobian: (_x, J) => {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) J[i * n + j] = -2 / m;
        if (i < n) J[i * n + i] += 1;
      }
    },
  });
}

/** Minimum m (m - 1) / (2 (2m + 1)) wherever sum_j j x_j = 3 / (2m + 1). */
export function linearRankOne(n = 10, m = 20): MghProblem {
  requireSize("linear rank 1", m >= n, `needs m >= n, got n = ${n}, m = ${m}`);
  const minimizer = new Array(n).fill(0);
  minimizer[0] = 3 / (2 * m + 1);
  return mghProblem({
    number: 33,
    name: `linear rank 1 (n = ${n}, m = ${m})`,
    n,
    m,
    start: new Array(n).fill(1),
    publishedSumOfSquares: (m * (m - 1)) / (2 * (2 * m + 1)),
    minimizer,
    residuals: (x, r) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += (j + 1) * x[j];
      for (let i = 0; i < m; i++) r[i] = (i + 1) * s - 1;
    },
    jacobian: (_x, J) => {
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) J[i * n + j] = (i + 1) * (j + 1);
    },
  });
}

/**
 * Minimum (m^2 + 3m - 6) / (2 (2m - 3)) wherever sum_{j=2}^{n-1} j x_j = 3 / (2m - 3).
 */
export function linearRankOneZeroColumnsAndRows(n = 10, m = 20): MghProblem {
  requireSize(
    "linear rank 1 with zero columns and rows",
    m >= n && n >= 3,
    `needs m >= n >= 3, got n = ${n}, m = ${m}`,
  );
  const minimizer = new Array(n).fill(0);
  minimizer[1] = 3 / (2 * (2 * m - 3));
  return mghProblem({
    number: 34,
    name: `linear rank 1 with zero columns and rows (n = ${n}, m = ${m})`,
    n,
    m,
    start: new Array(n).fill(1),
    publishedSumOfSquares: (m * m + 3 * m - 6) / (2 * (2 * m - 3)),
    minimizer,
    residuals: (x, r) => {
      let s = 0;
      for (let j = 2; j <= n - 1; j++) s += j * x[j - 1];
      r[0] = -1;
      for (let i = 2; i <= m - 1; i++) r[i - 1] = (i - 1) * s - 1;
      r[m - 1] = -1;
    },
    jacobian: (_x, J) => {
      for (let i = 2; i <= m - 1; i++)
        for (let j = 2; j <= n - 1; j++) J[(i - 1) * n + (j - 1)] = (i - 1) * j;
    },
  });
}

/** Chebyquad, m = n. The paper's minima: 3.51687e-3 (n = 8), 6.50395e-3 (n = 10); 0 for n = 1-7 and 9. */
export function chebyquad(n: 8 | 10 = 10): MghProblem {
  const published: Record<number, number> = { 8: 3.51687e-3, 10: 6.50395e-3 };
  requireSize("chebyquad", n in published, `published minima exist for n = 8, 10; got ${n}`);
  const m = n;
  // The shifted Chebyshev polynomials T_i(2x - 1) for i = 1..m and their x-derivatives, by the three-term recurrence.
  const chebyshev = (x: number, T: Float64Array, dT: Float64Array) => {
    const y = 2 * x - 1;
    let t0 = 1;
    let t1 = y;
    let d0 = 0;
    let d1 = 2;
    T[0] = t1;
    dT[0] = d1;
    for (let i = 1; i < m; i++) {
      const t2 = 2 * y * t1 - t0;
      const d2 = 4 * t1 + 2 * y * d1 - d0;
      [t0, t1, d0, d1] = [t1, t2, d1, d2];
      T[i] = t1;
      dT[i] = d1;
    }
  };
  const integral = (i: number) => (i % 2 === 1 ? 0 : -1 / (i * i - 1));
  const T = new Float64Array(m);
  const dT = new Float64Array(m);
  return mghProblem({
    number: 35,
    name: `chebyquad (n = ${n})`,
    n,
    m,
    start: Array.from({ length: n }, (_, j) => (j + 1) / (n + 1)),
    publishedSumOfSquares: published[n],
    residuals: (x, r) => {
      for (let i = 0; i < m; i++) r[i] = -integral(i + 1);
      for (let j = 0; j < n; j++) {
        chebyshev(x[j], T, dT);
        for (let i = 0; i < m; i++) r[i] += T[i] / n;
      }
    },
    jacobian: (x, J) => {
      for (let j = 0; j < n; j++) {
        chebyshev(x[j], T, dT);
        for (let i = 0; i < m; i++) J[i * n + j] = dT[i] / n;
      }
    },
  });
}
