import { mghProblem, type MghProblem } from "./least-squares";

/*
 * More-Garbow-Hillstrom problems 13-19 (ACM TOMS 7(1), 1981): fixed dimension n = 4 to 11. Residuals are the
 * paper's f_i, Jacobians are derived by hand and checked against finite differences in the tests. Row i of J is
 * written at J[i * n + j].
 */

const idx = (n: number) => (i: number, j: number) => i * n + j;

export function powellSingular(): MghProblem {
  const at = idx(4);
  const s5 = Math.sqrt(5);
  const s10 = Math.sqrt(10);
  return mghProblem({
    number: 13,
    name: "powell singular",
    n: 4,
    m: 4,
    start: [3, -1, 0, 1],
    publishedSumOfSquares: 0,
    minimizer: [0, 0, 0, 0],
    residuals: (x, r) => {
      r[0] = x[0] + 10 * x[1];
      r[1] = s5 * (x[2] - x[3]);
      r[2] = (x[1] - 2 * x[2]) ** 2;
      r[3] = s10 * (x[0] - x[3]) ** 2;
    },
    jacobian: (x, J) => {
      J[at(0, 0)] = 1;
      J[at(0, 1)] = 10;
      J[at(1, 2)] = s5;
      J[at(1, 3)] = -s5;
      J[at(2, 1)] = 2 * (x[1] - 2 * x[2]);
      J[at(2, 2)] = -4 * (x[1] - 2 * x[2]);
      J[at(3, 0)] = 2 * s10 * (x[0] - x[3]);
      J[at(3, 3)] = -2 * s10 * (x[0] - x[3]);
    },
  });
}

export function wood(): MghProblem {
  const at = idx(4);
  const s90 = Math.sqrt(90);
  const s10 = Math.sqrt(10);
  return mghProblem({
    number: 14,
    name: "wood",
    n: 4,
    m: 6,
    start: [-3, -1, -3, -1],
    publishedSumOfSquares: 0,
    minimizer: [1, 1, 1, 1],
    residuals: (x, r) => {
      r[0] = 10 * (x[1] - x[0] * x[0]);
      r[1] = 1 - x[0];
      r[2] = s90 * (x[3] - x[2] * x[2]);
      r[3] = 1 - x[2];
      r[4] = s10 * (x[1] + x[3] - 2);
      r[5] = (x[1] - x[3]) / s10;
    },
    jacobian: (x, J) => {
      J[at(0, 0)] = -20 * x[0];
      J[at(0, 1)] = 10;
      J[at(1, 0)] = -1;
      J[at(2, 2)] = -2 * s90 * x[2];
      J[at(2, 3)] = s90;
      J[at(3, 2)] = -1;
      J[at(4, 1)] = s10;
      J[at(4, 3)] = s10;
      J[at(5, 1)] = 1 / s10;
      J[at(5, 3)] = -1 / s10;
    },
  });
}

export function kowalikOsborne(): MghProblem {
  const at = idx(4);
  const y = [0.1957, 0.1947, 0.1735, 0.16, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246];
  const u = [4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625];
  return mghProblem({
    number: 15,
    name: "kowalik-osborne",
    n: 4,
    m: 11,
    start: [0.25, 0.39, 0.415, 0.39],
    publishedSumOfSquares: 3.07505e-4,
    residuals: (x, r) => {
      for (let i = 0; i < 11; i++) {
        const v = u[i];
        r[i] = y[i] - (x[0] * (v * v + v * x[1])) / (v * v + v * x[2] + x[3]);
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < 11; i++) {
        const v = u[i];
        const num = v * v + v * x[1];
        const den = v * v + v * x[2] + x[3];
        J[at(i, 0)] = -num / den;
        J[at(i, 1)] = (-x[0] * v) / den;
        J[at(i, 2)] = (x[0] * num * v) / (den * den);
        J[at(i, 3)] = (x[0] * num) / (den * den);
      }
    },
  });
}

/** With m = 20: minimum 85822.2. */
export function brownDennis(): MghProblem {
  const at = idx(4);
  const m = 20;
  return mghProblem({
    number: 16,
    name: "brown-dennis",
    n: 4,
    m,
    start: [25, 5, -5, -1],
    publishedSumOfSquares: 85822.2,
    residuals: (x, r) => {
      for (let i = 1; i <= m; i++) {
        const t = i / 5;
        const a = x[0] + t * x[1] - Math.exp(t);
        const b = x[2] + x[3] * Math.sin(t) - Math.cos(t);
        r[i - 1] = a * a + b * b;
      }
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= m; i++) {
        const t = i / 5;
        const a = x[0] + t * x[1] - Math.exp(t);
        const b = x[2] + x[3] * Math.sin(t) - Math.cos(t);
        J[at(i - 1, 0)] = 2 * a;
        J[at(i - 1, 1)] = 2 * a * t;
        J[at(i - 1, 2)] = 2 * b;
        J[at(i - 1, 3)] = 2 * b * Math.sin(t);
      }
    },
  });
}

export function osborne1(): MghProblem {
  const at = idx(5);
  const y = [
    0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.85, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658, 0.628,
    0.603, 0.58, 0.558, 0.538, 0.522, 0.506, 0.49, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.42,
    0.414, 0.411, 0.406,
  ];
  return mghProblem({
    number: 17,
    name: "osborne 1",
    n: 5,
    m: 33,
    start: [0.5, 1.5, -1, 0.01, 0.02],
    publishedSumOfSquares: 5.46489e-5,
    residuals: (x, r) => {
      for (let i = 0; i < 33; i++) {
        const t = 10 * i;
        r[i] = y[i] - (x[0] + x[1] * Math.exp(-t * x[3]) + x[2] * Math.exp(-t * x[4]));
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < 33; i++) {
        const t = 10 * i;
        const e4 = Math.exp(-t * x[3]);
        const e5 = Math.exp(-t * x[4]);
        J[at(i, 0)] = -1;
        J[at(i, 1)] = -e4;
        J[at(i, 2)] = -e5;
        J[at(i, 3)] = x[1] * t * e4;
        J[at(i, 4)] = x[2] * t * e5;
      }
    },
  });
}

/** With m = 13: minimum 0 at (1, 10, 1, 5, 4, 3); the paper also lists the local minimum 5.65565e-3. */
export function biggsExp6(): MghProblem {
  const at = idx(6);
  const m = 13;
  const y = (t: number) => Math.exp(-t) - 5 * Math.exp(-10 * t) + 3 * Math.exp(-4 * t);
  return mghProblem({
    number: 18,
    name: "biggs exp6",
    n: 6,
    m,
    start: [1, 2, 1, 1, 1, 1],
    publishedSumOfSquares: 0,
    publishedLocalMinima: [5.65565e-3],
    minimizer: [1, 10, 1, 5, 4, 3],
    residuals: (x, r) => {
      for (let i = 1; i <= m; i++) {
        const t = 0.1 * i;
        r[i - 1] =
          x[2] * Math.exp(-t * x[0]) - x[3] * Math.exp(-t * x[1]) + x[5] * Math.exp(-t * x[4]) - y(t);
      }
    },
    jacobian: (x, J) => {
      for (let i = 1; i <= m; i++) {
        const t = 0.1 * i;
        const e1 = Math.exp(-t * x[0]);
        const e2 = Math.exp(-t * x[1]);
        const e5 = Math.exp(-t * x[4]);
        J[at(i - 1, 0)] = -t * x[2] * e1;
        J[at(i - 1, 1)] = t * x[3] * e2;
        J[at(i - 1, 2)] = e1;
        J[at(i - 1, 3)] = -e2;
        J[at(i - 1, 4)] = -t * x[5] * e5;
        J[at(i - 1, 5)] = e5;
      }
    },
  });
}

export function osborne2(): MghProblem {
  const at = idx(11);
  const y = [
    1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655, 0.616,
    0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
    0.5, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653, 0.672,
    0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739, 0.71, 0.729, 0.72, 0.636, 0.581,
    0.428, 0.292, 0.162, 0.098, 0.054,
  ];
  return mghProblem({
    number: 19,
    name: "osborne 2",
    n: 11,
    m: 65,
    start: [1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5],
    publishedSumOfSquares: 4.01377e-2,
    residuals: (x, r) => {
      for (let i = 0; i < 65; i++) {
        const t = i / 10;
        r[i] =
          y[i] -
          (x[0] * Math.exp(-t * x[4]) +
            x[1] * Math.exp(-((t - x[8]) ** 2) * x[5]) +
            x[2] * Math.exp(-((t - x[9]) ** 2) * x[6]) +
            x[3] * Math.exp(-((t - x[10]) ** 2) * x[7]));
      }
    },
    jacobian: (x, J) => {
      for (let i = 0; i < 65; i++) {
        const t = i / 10;
        const e1 = Math.exp(-t * x[4]);
        J[at(i, 0)] = -e1;
        J[at(i, 4)] = x[0] * t * e1;
        for (let k = 1; k <= 3; k++) {
          // Gaussian bump k: x_k exp(-(t - x_{k+8})^2 x_{k+5}) with 0-based indices k, k + 4, k + 7.
          const dt = t - x[k + 7];
          const e = Math.exp(-dt * dt * x[k + 4]);
          J[at(i, k)] = -e;
          J[at(i, k + 4)] = x[k] * dt * dt * e;
          J[at(i, k + 7)] = -x[k] * 2 * x[k + 4] * dt * e;
        }
      }
    },
  });
}
