import { mghProblem, type MghProblem } from "./least-squares";

/*
 * More-Garbow-Hillstrom problems 1-12 (ACM TOMS 7(1), 1981): fixed dimension n = 2 or 3. Residuals are the
 * paper's f_i, Jacobians are derived by hand and checked against finite differences in the tests. Row i of J is
 * written at J[i * n + j].
 */

const idx = (n: number) => (i: number, j: number) => i * n + j;

export function rosenbrockMgh(): MghProblem {
  const at = idx(2);
  return mghProblem({
    number: 1,
    name: "rosenbrock",
    n: 2,
    m: 2,
    start: [-1.2, 1],
    publishedSumOfSquares: 0,
    minimizer: [1, 1],
    residuals: (x, r) => {
      r[0] = 10 * (x[1] - x[0] * x[0]);
      r[1] = 1 - x[0];
    },
    jacobian: (x, J) => {
      J[at(0, 0)] = -20 * x[0];
      J[at(0, 1)] = 10;
      J[at(1, 0)] = -1;
    },
  });
}

/** Global minimum 0 at (5, 4); the paper also lists the local minimum 48.9842 at (11.41..., -0.8968...). */
export function freudensteinRoth(): MghProblem {
  const at = idx(2);
  return mghProblem({
    number: 2,
    name: "freudenstein-roth",
    n: 2,
    m: 2,
    start: [0.5, -2],
    publishedSumOfSquares: 0,
    publishedLocalMinima: [48.9842],
    minimizer: [5, 4],
    residuals: (x, r) => {
      const y = x[1];
      r[0] = -13 + x[0] + ((5 - y) * y - 2) * y;
      r[1] = -29 + x[0] + ((y + 1) * y - 14) * y;
    },
    jacobian: (x, J) => {
      const y = x[1];
      J[at(0, 0)] = 1;
      J[at(0, 1)] = 10 * y - 3 * y * y - 2;
      J[at(1, 0)] = 1;
      J[at(1, 1)] = 3 * y * y + 2 * y - 14;
    },
  });
}

export function powellBadlyScaled(): MghProblem {
  const at = idx(2);
  return mghProblem({
    number: 3,
    name: "powell badly scaled",
    n: 2,
    m: 2,
    start: [0, 1],
    publishedSumOfSquares: 0,
    residuals: (x, r) => {
      r[0] = 1e4 * x[0] * x[1] - 1;
      r[1] = Math.exp(-x[0]) + Math.exp(-x[1]) - 1.0001;
    },
    jacobian: (x, J) => {
      J[at(0, 0)] = 1e4 * x[1];
      J[at(0, 1)] = 1e4 * x[0];
      J[at(1, 0)] = -Math.exp(-x[0]);
      J[at(1, 1)] = -Math.exp(-x[1]);
    },
  });
}

export function brownBadlyScaled(): MghProblem {
  const at = idx(2);
  return mghProblem({
    number: 4,
    name: "brown badly scaled",
    n: 2,
    m: 3,
    start: [1, 1],
    publishedSumOfSquares: 0,
    minimizer: [1e6, 2e-6],
    residuals: (x, r) => {
      r[0] = x[0] - 1e6;
      r[1] = x[1] - 2e-6;
      r[2] = x[0] * x[1] - 2;
    },
    jacobian: (x, J) => {
      J[at(0, 0)] = 1;
      J[at(1, 1)] = 1;
      J[at(2, 0)] = x[1];
      J[at(2, 1)] = x[0];
    },
  });
}

export function bealeMgh(): MghProblem {
  const at = idx(2);
  const y = [1.5, 2.25, 2.625];
  return mghProblem({
    number: 5,
    name: "beale",
    n: 2,
    m: 3,
    start: [1, 1],
    publishedSumOfSquares: 0,
    minimizer: [3, 0.5],
    residuals: (x, r) => {
      for (let i = 0; i < 3; i++) r[i] = y[i] - x[0] * (1 - Math.pow(x[1], i + 1));
    },
    jacobian: (x, J) => {
      for (let i = 0; i < 3; i++) {
        J[at(i, 0)] = -(1 - Math.pow(x[1], i + 1));
        J[at(i, 1)] = x[0] * (i + 1) * Math.pow(x[1], i);
      }
    },
  });
}

/** With m = 10: minimum 124.362 at x1 = x2 = 0.2578. */
export function jennrichSampson(): MghProblem {
  const at = idx(2);
  const m = 10;
  return mghProblem({
    number: 6,
    name: "jennrich-sampson",
    n: 2,
    m,
    start: [0.3, 0.4],
    publishedSumOfSquares: 124.362,
    residuals: (x, r) => {
      for (let i = 1; i <= m; i++) r[i - 1] = 2 + 2 * i - (Math.exp(i * x[0]) + Math.exp(i * x[1]));
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= m; i++) {
        J[at(i - 1, 0)] = -i * Math.exp(i * x[0]);
        J[at(i - 1, 1)] = -i * Math.exp(i * x[1]);
      }
    },
  });
}

export function helicalValley(): MghProblem {
  const at = idx(3);
  const theta = (x1: number, x2: number) => Math.atan(x2 / x1) / (2 * Math.PI) + (x1 < 0 ? 0.5 : 0);
  return mghProblem({
    number: 7,
    name: "helical valley",
    n: 3,
    m: 3,
    start: [-1, 0, 0],
    publishedSumOfSquares: 0,
    minimizer: [1, 0, 0],
    residuals: (x, r) => {
      r[0] = 10 * (x[2] - 10 * theta(x[0], x[1]));
      r[1] = 10 * (Math.hypot(x[0], x[1]) - 1);
      r[2] = x[2];
    },
    jacobian: (x, J) => {
      const rho2 = x[0] * x[0] + x[1] * x[1];
      const rho = Math.sqrt(rho2);
      J[at(0, 0)] = (100 * x[1]) / (2 * Math.PI * rho2);
      J[at(0, 1)] = (-100 * x[0]) / (2 * Math.PI * rho2);
      J[at(0, 2)] = 10;
      J[at(1, 0)] = (10 * x[0]) / rho;
      J[at(1, 1)] = (10 * x[1]) / rho;
      J[at(2, 2)] = 1;
    },
  });
}

/** Minimum 8.21487e-3; the paper also lists 17.4286 at (0.8406, -inf, -inf). */
export function bard(): MghProblem {
  const at = idx(3);
  const y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.1, 4.39];
  return mghProblem({
    number: 8,
    name: "bard",
    n: 3,
    m: 15,
    start: [1, 1, 1],
    publishedSumOfSquares: 8.21487e-3,
    publishedLocalMinima: [17.4286],
    residuals: (x, r) => {
      for (let i = 1; i <= 15; i++) {
        const u = i;
        const v = 16 - i;
        const w = Math.min(u, v);
        r[i - 1] = y[i - 1] - (x[0] + u / (v * x[1] + w * x[2]));
      }
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= 15; i++) {
        const u = i;
        const v = 16 - i;
        const w = Math.min(u, v);
        const d = v * x[1] + w * x[2];
        J[at(i - 1, 0)] = -1;
        J[at(i - 1, 1)] = (u * v) / (d * d);
        J[at(i - 1, 2)] = (u * w) / (d * d);
      }
    },
  });
}

export function gaussian(): MghProblem {
  const at = idx(3);
  const y = [
    0.0009, 0.0044, 0.0175, 0.054, 0.1295, 0.242, 0.3521, 0.3989, 0.3521, 0.242, 0.1295, 0.054, 0.0175,
    0.0044, 0.0009,
  ];
  return mghProblem({
    number: 9,
    name: "gaussian",
    n: 3,
    m: 15,
    start: [0.4, 1, 0],
    publishedSumOfSquares: 1.12793e-8,
    residuals: (x, r) => {
      for (let i = 1; i <= 15; i++) {
        const t = (8 - i) / 2;
        r[i - 1] = x[0] * Math.exp((-x[1] * (t - x[2]) ** 2) / 2) - y[i - 1];
      }
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= 15; i++) {
        const t = (8 - i) / 2;
        const e = Math.exp((-x[1] * (t - x[2]) ** 2) / 2);
        J[at(i - 1, 0)] = e;
        J[at(i - 1, 1)] = (-x[0] * e * (t - x[2]) ** 2) / 2;
        J[at(i - 1, 2)] = x[0] * e * x[1] * (t - x[2]);
      }
    },
  });
}

export function meyer(): MghProblem {
  const at = idx(3);
  const y = [
    34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872,
  ];
  return mghProblem({
    number: 10,
    name: "meyer",
    n: 3,
    m: 16,
    start: [0.02, 4000, 250],
    publishedSumOfSquares: 87.9458,
    residuals: (x, r) => {
      for (let i = 1; i <= 16; i++) r[i - 1] = x[0] * Math.exp(x[1] / (45 + 5 * i + x[2])) - y[i - 1];
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= 16; i++) {
        const d = 45 + 5 * i + x[2];
        const e = Math.exp(x[1] / d);
        J[at(i - 1, 0)] = e;
        J[at(i - 1, 1)] = (x[0] * e) / d;
        J[at(i - 1, 2)] = (-x[0] * e * x[1]) / (d * d);
      }
    },
  });
}

/** The paper leaves m free in [n, 100]; we use m = 10. The minimum 0 at (50, 25, 1.5) holds for every m. */
export function gulf(): MghProblem {
  const at = idx(3);
  const m = 10;
  const t = (i: number) => i / 100;
  const y = (i: number) => 25 + Math.pow(-50 * Math.log(t(i)), 2 / 3);
  return mghProblem({
    number: 11,
    name: "gulf research and development",
    n: 3,
    m,
    start: [5, 2.5, 0.15],
    publishedSumOfSquares: 0,
    minimizer: [50, 25, 1.5],
    residuals: (x, r) => {
      for (let i = 1; i <= m; i++) r[i - 1] = Math.exp(-Math.pow(Math.abs(y(i) - x[1]), x[2]) / x[0]) - t(i);
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= m; i++) {
        const diff = y(i) - x[1];
        const a = Math.abs(diff);
        const p = Math.pow(a, x[2]);
        const e = Math.exp(-p / x[0]);
        J[at(i - 1, 0)] = (e * p) / (x[0] * x[0]);
        J[at(i - 1, 1)] = a > 0 ? (e * x[2] * Math.pow(a, x[2] - 1) * Math.sign(diff)) / x[0] : 0;
        J[at(i - 1, 2)] = a > 0 ? (-e * p * Math.log(a)) / x[0] : 0;
      }
    },
  });
}

/** With m = 10: minimum 0 at (1, 10, 1), (10, 1, -1) and wherever x1 = x2, x3 = 0. */
export function boxThreeDimensional(): MghProblem {
  const at = idx(3);
  const m = 10;
  return mghProblem({
    number: 12,
    name: "box three-dimensional",
    n: 3,
    m,
    start: [0, 10, 20],
    publishedSumOfSquares: 0,
    minimizer: [1, 10, 1],
    residuals: (x, r) => {
      for (let i = 1; i <= m; i++) {
        const t = 0.1 * i;
        r[i - 1] = Math.exp(-t * x[0]) - Math.exp(-t * x[1]) - x[2] * (Math.exp(-t) - Math.exp(-10 * t));
      }
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= m; i++) {
        const t = 0.1 * i;
        J[at(i - 1, 0)] = -t * Math.exp(-t * x[0]);
        J[at(i - 1, 1)] = t * Math.exp(-t * x[1]);
        J[at(i - 1, 2)] = -(Math.exp(-t) - Math.exp(-10 * t));
      }
    },
  });
}
