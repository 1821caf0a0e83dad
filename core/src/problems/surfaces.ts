import type { Objective } from "../objective";

/** A two-dimensional (or n-dimensional) test surface with its known minimizers, for pictures and tests. */
export interface TestSurface extends Objective {
  readonly name: string;
  /** A customary starting point. */
  readonly start: Float64Array;
  /** The global minimizers (all of them where there are several). */
  readonly minimizers: Float64Array[];
  /** The minimum value. */
  readonly minimum: number;
  /** A box [xMin, xMax, yMin, yMax] that shows the interesting part of the surface. */
  readonly box: [number, number, number, number];
}

function surface(
  name: string,
  start: number[],
  minimizers: number[][],
  minimum: number,
  box: [number, number, number, number],
  fg: (x: number, y: number, g: Float64Array | null) => number,
): TestSurface {
  const check = (theta: Float64Array) => {
    if (theta.length !== 2)
      throw new RangeError(`${name}: expected a point of length 2, got ${theta.length}`);
  };
  return {
    name,
    dim: 2,
    start: Float64Array.from(start),
    minimizers: minimizers.map((m) => Float64Array.from(m)),
    minimum,
    box,
    value(theta) {
      check(theta);
      return fg(theta[0], theta[1], null);
    },
    valueAndGradient(theta, g) {
      check(theta);
      return fg(theta[0], theta[1], g);
    },
  };
}

/** Rosenbrock's valley f = (a - x)^2 + b (y - x^2)^2, a = 1, b = 100; minimum 0 at (1, 1). */
export function rosenbrock(): TestSurface {
  return surface("rosenbrock", [-1.2, 1], [[1, 1]], 0, [-2, 2, -1, 3], (x, y, g) => {
    const u = 1 - x;
    const v = y - x * x;
    if (g) {
      g[0] = -2 * u - 400 * x * v;
      g[1] = 200 * v;
    }
    return u * u + 100 * v * v;
  });
}

/** Himmelblau's f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2: four minima with f = 0. */
export function himmelblau(): TestSurface {
  const minimizers = [
    [3, 2],
    [-2.805118086952745, 3.131312518250573],
    [-3.779310253377747, -3.28318599128617],
    [3.584428340330492, -1.848126526964404],
  ];
  return surface("himmelblau", [0, 0], minimizers, 0, [-5, 5, -5, 5], (x, y, g) => {
    const u = x * x + y - 11;
    const v = x + y * y - 7;
    if (g) {
      g[0] = 4 * x * u + 2 * v;
      g[1] = 2 * u + 4 * y * v;
    }
    return u * u + v * v;
  });
}

/** Beale's f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2; minimum 0 at (3, 0.5). */
export function beale(): TestSurface {
  return surface("beale", [1, 1], [[3, 0.5]], 0, [-4.5, 4.5, -4.5, 4.5], (x, y, g) => {
    const c = [1.5, 2.25, 2.625];
    let f = 0;
    let gx = 0;
    let gy = 0;
    for (let k = 1; k <= 3; k++) {
      const t = c[k - 1] - x + x * Math.pow(y, k);
      f += t * t;
      gx += 2 * t * (Math.pow(y, k) - 1);
      gy += 2 * t * k * x * Math.pow(y, k - 1);
    }
    if (g) {
      g[0] = gx;
      g[1] = gy;
    }
    return f;
  });
}

/**
 * The six-hump camel f = (4 - 2.1 x^2 + x^4/3) x^2 + xy + (-4 + 4 y^2) y^2: six local minima, the two global
 * ones f = -1.031628453489877 at +-(0.0898420131003, -0.7126564030207).
 */
export function sixHumpCamel(): TestSurface {
  const m = [0.08984201310031806, -0.7126564030207396];
  return surface(
    "six-hump camel",
    [1, -0.5],
    [m, [-m[0], -m[1]]],
    -1.031628453489877,
    [-2, 2, -1, 1],
    (x, y, g) => {
      const x2 = x * x;
      const y2 = y * y;
      if (g) {
        g[0] = 8 * x - 8.4 * x2 * x + 2 * x2 * x2 * x + y;
        g[1] = x - 8 * y + 16 * y2 * y;
      }
      return (4 - 2.1 * x2 + (x2 * x2) / 3) * x2 + x * y + (-4 + 4 * y2) * y2;
    },
  );
}

/**
 * The quadratic f = 1/2 x^T A x in two dimensions with eigenvalues 1 and `condition`, the eigenvector of 1
 * rotated by `angle` from the x axis: the valley in which gradient descent zig-zags (seed 004 section 6.1).
 */
export function conditionedQuadratic(condition: number, angle = Math.PI / 6): TestSurface {
  if (!(condition >= 1) || !Number.isFinite(condition)) {
    throw new RangeError(`condition number must be a finite number >= 1, got ${condition}`);
  }
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  // A = R diag(1, condition) R^T with R the rotation by `angle`.
  const a11 = c * c + condition * s * s;
  const a12 = c * s - condition * c * s;
  const a22 = s * s + condition * c * c;
  const box: [number, number, number, number] = [-2, 2, -2, 2];
  return surface(`quadratic (condition ${condition})`, [1.5, 1], [[0, 0]], 0, box, (x, y, g) => {
    const ax = a11 * x + a12 * y;
    const ay = a12 * x + a22 * y;
    if (g) {
      g[0] = ax;
      g[1] = ay;
    }
    return 0.5 * (x * ax + y * ay);
  });
}

/** All the picture surfaces. */
export function surfaces(): TestSurface[] {
  return [rosenbrock(), himmelblau(), beale(), sixHumpCamel(), conditionedQuadratic(100)];
}
