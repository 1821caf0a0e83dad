import { mghProblem, requireSize, type MghProblem } from "./least-squares";

/*
 * More-Garbow-Hillstrom problems 20-27 (ACM TOMS 7(1), 1981), the ones of variable dimension, at the sizes for
 * which the paper publishes minima. Indices below are 0-based: the paper's x_j is x[j - 1].
 */

/** Watson, 2 <= n <= 31, m = 31. The paper's minima: 2.28767e-3 (n = 6), 1.39976e-6 (n = 9), 4.72238e-10 (n = 12). */
export function watson(n: 6 | 9 | 12 = 6): MghProblem {
  const published: Record<number, number> = { 6: 2.28767e-3, 9: 1.39976e-6, 12: 4.72238e-10 };
  requireSize("watson", n in published, `published minima exist for n = 6, 9, 12; got ${n}`);
  const m = 31;
  return mghProblem({
    number: 20,
    name: `watson (n = ${n})`,
    n,
    m,
    start: new Array(n).fill(0),
    publishedSumOfSquares: published[n],
    residuals: (x, r) => {
      for (let i = 1; i <= 29; i++) {
        const t = i / 29;
        let s1 = 0;
        let s2 = 0;
        for (let k = 0; k < n; k++) {
          if (k > 0) s1 += k * x[k] * Math.pow(t, k - 1);
          s2 += x[k] * Math.pow(t, k);
        }
        r[i - 1] = s1 - s2 * s2 - 1;
      }
      r[29] = x[0];
      r[30] = x[1] - x[0] * x[0] - 1;
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= 29; i++) {
        const t = i / 29;
        let s2 = 0;
        for (let k = 0; k < n; k++) s2 += x[k] * Math.pow(t, k);
        for (let k = 0; k < n; k++) {
          J[(i - 1) * n + k] = (k > 0 ? k * Math.pow(t, k - 1) : 0) - 2 * s2 * Math.pow(t, k);
        }
      }
      J[29 * n] = 1;
      J[30 * n] = -2 * x[0];
      J[30 * n + 1] = 1;
    },
  });
}

export function extendedRosenbrock(n = 10): MghProblem {
  requireSize("extended rosenbrock", n % 2 === 0 && n > 0, `n must be even, got ${n}`);
  return mghProblem({
    number: 21,
    name: `extended rosenbrock (n = ${n})`,
    n,
    m: n,
    start: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1)),
    publishedSumOfSquares: 0,
    minimizer: new Array(n).fill(1),
    residuals: (x, r) => {
      for (let i = 0; i < n; i += 2) {
        r[i] = 10 * (x[i + 1] - x[i] * x[i]);
        r[i + 1] = 1 - x[i];
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i += 2) {
        J[i * n + i] = -20 * x[i];
        J[i * n + i + 1] = 10;
        J[(i + 1) * n + i] = -1;
      }
    },
  });
}

export function extendedPowellSingular(n = 12): MghProblem {
  requireSize("extended powell singular", n % 4 === 0 && n > 0, `n must be a multiple of 4, got ${n}`);
  const s5 = Math.sqrt(5);
  const s10 = Math.sqrt(10);
  return mghProblem({
    number: 22,
    name: `extended powell singular (n = ${n})`,
    n,
    m: n,
    start: Array.from({ length: n }, (_, i) => [3, -1, 0, 1][i % 4]),
    publishedSumOfSquares: 0,
    minimizer: new Array(n).fill(0),
    residuals: (x, r) => {
      for (let i = 0; i < n; i += 4) {
        r[i] = x[i] + 10 * x[i + 1];
        r[i + 1] = s5 * (x[i + 2] - x[i + 3]);
        r[i + 2] = (x[i + 1] - 2 * x[i + 2]) ** 2;
        r[i + 3] = s10 * (x[i] - x[i + 3]) ** 2;
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i += 4) {
        J[i * n + i] = 1;
        J[i * n + i + 1] = 10;
        J[(i + 1) * n + i + 2] = s5;
        J[(i + 1) * n + i + 3] = -s5;
        J[(i + 2) * n + i + 1] = 2 * (x[i + 1] - 2 * x[i + 2]);
        J[(i + 2) * n + i + 2] = -4 * (x[i + 1] - 2 * x[i + 2]);
        J[(i + 3) * n + i] = 2 * s10 * (x[i] - x[i + 3]);
        J[(i + 3) * n + i + 3] = -2 * s10 * (x[i] - x[i + 3]);
      }
    },
  });
}

/** Penalty I, m = n + 1. The paper's minima: 2.24997e-5 (n = 4), 7.08765e-5 (n = 10). */
export function penaltyI(n: 4 | 10 = 10): MghProblem {
  const published: Record<number, number> = { 4: 2.24997e-5, 10: 7.08765e-5 };
  requireSize("penalty I", n in published, `published minima exist for n = 4, 10; got ${n}`);
  const sa = Math.sqrt(1e-5);
  return mghProblem({
    number: 23,
    name: `penalty I (n = ${n})`,
    n,
    m: n + 1,
    start: Array.from({ length: n }, (_, j) => j + 1),
    publishedSumOfSquares: published[n],
    residuals: (x, r) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        r[i] = sa * (x[i] - 1);
        s += x[i] * x[i];
      }
      r[n] = s - 0.25;
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i++) {
        J[i * n + i] = sa;
        J[n * n + i] = 2 * x[i];
      }
    },
  });
}

/** Penalty II, m = 2n. The paper's minima: 9.37629e-6 (n = 4), 2.93660e-4 (n = 10). */
export function penaltyII(n: 4 | 10 = 10): MghProblem {
  const published: Record<number, number> = { 4: 9.37629e-6, 10: 2.9366e-4 };
  requireSize("penalty II", n in published, `published minima exist for n = 4, 10; got ${n}`);
  const sa = Math.sqrt(1e-5);
  const e = (v: number) => Math.exp(v / 10);
  const y = (i: number) => Math.exp(i / 10) + Math.exp((i - 1) / 10);
  return mghProblem({
    number: 24,
    name: `penalty II (n = ${n})`,
    n,
    m: 2 * n,
    start: new Array(n).fill(0.5),
    publishedSumOfSquares: published[n],
    residuals: (x, r) => {
      r[0] = x[0] - 0.2;
      for (let i = 2; i <= n; i++) r[i - 1] = sa * (e(x[i - 1]) + e(x[i - 2]) - y(i));
      for (let i = n + 1; i < 2 * n; i++) r[i - 1] = sa * (e(x[i - n]) - Math.exp(-0.1));
      let s = 0;
      for (let j = 1; j <= n; j++) s += (n - j + 1) * x[j - 1] * x[j - 1];
      r[2 * n - 1] = s - 1;
    },
    jacobian: (x, J) => {
      J[0] = 1;
      for (let i = 2; i <= n; i++) {
        J[(i - 1) * n + (i - 1)] = (sa * e(x[i - 1])) / 10;
        J[(i - 1) * n + (i - 2)] = (sa * e(x[i - 2])) / 10;
      }
      for (let i = n + 1; i < 2 * n; i++) J[(i - 1) * n + (i - n)] = (sa * e(x[i - n])) / 10;
      for (let j = 1; j <= n; j++) J[(2 * n - 1) * n + (j - 1)] = 2 * (n - j + 1) * x[j - 1];
    },
  });
}

export function variablyDimensioned(n = 10): MghProblem {
  const weightedSum = (x: Float64Array) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += (j + 1) * (x[j] - 1);
    return s;
  };
  return mghProblem({
    number: 25,
    name: `variably dimensioned (n = ${n})`,
    n,
    m: n + 2,
    start: Array.from({ length: n }, (_, j) => 1 - (j + 1) / n),
    publishedSumOfSquares: 0,
    minimizer: new Array(n).fill(1),
    residuals: (x, r) => {
      for (let i = 0; i < n; i++) r[i] = x[i] - 1;
      const s = weightedSum(x);
      r[n] = s;
      r[n + 1] = s * s;
    },
    jacobian: (x, J) => {
      const s = weightedSum(x);
      for (let i = 0; i < n; i++) {
        J[i * n + i] = 1;
        J[n * n + i] = i + 1;
        J[(n + 1) * n + i] = 2 * s * (i + 1);
      }
    },
  });
}

/** Best known minimum 0; from the standard start methods often stop at the local minimum 2.79506e-5 (n = 10). */
export function trigonometric(n = 10): MghProblem {
  return mghProblem({
    number: 26,
    name: `trigonometric (n = ${n})`,
    n,
    m: n,
    start: new Array(n).fill(1 / n),
    publishedSumOfSquares: 0,
    publishedLocalMinima: [2.79506e-5],
    residuals: (x, r) => {
      let c = 0;
      for (let j = 0; j < n; j++) c += Math.cos(x[j]);
      for (let i = 0; i < n; i++) r[i] = n - c + (i + 1) * (1 - Math.cos(x[i])) - Math.sin(x[i]);
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) J[i * n + j] = Math.sin(x[j]);
        J[i * n + i] += (i + 1) * Math.sin(x[i]) - Math.cos(x[i]);
      }
    },
  });
}

/** Minimum 0 at (1, ..., 1) (alpha = 1 solves n a^n - (n + 1) a^(n-1) + 1 = 0); also 1 at (0, ..., 0, n + 1). */
export function brownAlmostLinear(n = 10): MghProblem {
  return mghProblem({
    number: 27,
    name: `brown almost-linear (n = ${n})`,
    n,
    m: n,
    start: new Array(n).fill(0.5),
    publishedSumOfSquares: 0,
    publishedLocalMinima: [1],
    minimizer: new Array(n).fill(1),
    residuals: (x, r) => {
      let s = 0;
      let p = 1;
      for (let j = 0; j < n; j++) {
        s += x[j];
        p *= x[j];
      }
      for (let i = 0; i < n - 1; i++) r[i] = x[i] + s - (n + 1);
      r[n - 1] = p - 1;
    },
    jacobian: (x, J) => {
      for (let i = 0; i < n - 1; i++) {
        for (let j = 0; j < n; j++) J[i * n + j] = 1;
        J[i * n + i] = 2;
      }
      for (let j = 0; j < n; j++) {
        let p = 1;
        for (let k = 0; k < n; k++) if (k !== j) p *= x[k];
        J[(n - 1) * n + j] = p;
      }
    },
  });
}
