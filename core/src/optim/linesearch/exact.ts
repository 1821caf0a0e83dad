import { bracketMinimum, finiteOrInfinity, GOLDEN, GOLDEN_COMPLEMENT, type Bracket } from "./bracket";
import type { LineFunction, LineSearch, LineSearchResult } from "./types";
import { requireDescent } from "./types";

export interface ExactSearchOptions {
  /** Relative tolerance on alpha: stop when the bracket is narrower than about 2 tolerance |alpha|. */
  tolerance?: number;
  maxIterations?: number;
}

const ABSOLUTE_FLOOR = 1e-14;

function failedBracket(phi0: number, dphi0: number): LineSearchResult {
  return { alpha: 0, phi: phi0, dphi: dphi0, success: false, message: "could not bracket a minimizer" };
}

function goldenSection(
  line: LineFunction,
  br: Bracket,
  tol: number,
  maxIterations: number,
): LineSearchResult {
  // Invariant: a < x1 < x2 < c (or the mirror image) and the minimizer lies in [a, c].
  let a = br.a;
  let c = br.c;
  let x1: number, x2: number, f1: number, f2: number;
  if (c - br.b > br.b - a) {
    x1 = br.b;
    f1 = br.phiB;
    x2 = br.b + GOLDEN_COMPLEMENT * (c - br.b);
    f2 = finiteOrInfinity(line.phi(x2));
  } else {
    x2 = br.b;
    f2 = br.phiB;
    x1 = br.b - GOLDEN_COMPLEMENT * (br.b - a);
    f1 = finiteOrInfinity(line.phi(x1));
  }
  let iterations = 0;
  while (
    Math.abs(c - a) > tol * (Math.abs(x1) + Math.abs(x2)) + ABSOLUTE_FLOOR &&
    iterations < maxIterations
  ) {
    if (f2 < f1) {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = GOLDEN * x1 + GOLDEN_COMPLEMENT * c;
      f2 = finiteOrInfinity(line.phi(x2));
    } else {
      c = x2;
      x2 = x1;
      f2 = f1;
      x1 = GOLDEN * x2 + GOLDEN_COMPLEMENT * a;
      f1 = finiteOrInfinity(line.phi(x1));
    }
    iterations++;
  }
  const [alpha, phi] = f1 < f2 ? [x1, f1] : [x2, f2];
  const success = iterations < maxIterations;
  return {
    alpha,
    phi,
    dphi: NaN,
    success,
    message: success ? "bracket narrowed to tolerance" : "iteration limit",
  };
}

/**
 * Bracketing followed by golden-section search (seed 004 section 5.1): an (almost) exact minimization of phi,
 * solving eq. 119 without derivatives. Each iteration shrinks the bracket by 0.618.
 */
export function goldenSectionSearch(options: ExactSearchOptions = {}): LineSearch {
  const tol = options.tolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 200;
  return {
    name: "golden section",
    search(line, phi0, dphi0, alphaInitial) {
      requireDescent("golden section", dphi0);
      const br = bracketMinimum(line, phi0, alphaInitial);
      return br ? goldenSection(line, br, tol, maxIterations) : failedBracket(phi0, dphi0);
    },
  };
}

const sign = (a: number, b: number) => (b >= 0 ? Math.abs(a) : -Math.abs(a));

/** Brent's method without derivatives (Numerical Recipes `brent`): golden section with parabolic steps. */
function brent(line: LineFunction, br: Bracket, tol: number, maxIterations: number): LineSearchResult {
  let a = Math.min(br.a, br.c);
  let b = Math.max(br.a, br.c);
  let x = br.b;
  let w = x;
  let v = x;
  let fx = br.phiB;
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const xm = 0.5 * (a + b);
    const tol1 = tol * Math.abs(x) + ABSOLUTE_FLOOR;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) {
      return { alpha: x, phi: fx, dphi: NaN, success: true, message: "bracket narrowed to tolerance" };
    }
    let parabolic = false;
    if (Math.abs(e) > tol1) {
      // Parabola through (v, fv), (w, fw), (x, fx); accept its vertex only if it lies in (a, b) and the step is
      // less than half the step before last.
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const previousE = e;
      if (!(Math.abs(p) >= Math.abs(0.5 * q * previousE) || p <= q * (a - x) || p >= q * (b - x))) {
        e = d;
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = sign(tol1, xm - x);
        parabolic = true;
      }
    }
    if (!parabolic) {
      e = x >= xm ? a - x : b - x;
      d = GOLDEN_COMPLEMENT * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + sign(tol1, d);
    const fu = finiteOrInfinity(line.phi(u));
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      [v, fv, w, fw, x, fx] = [w, fw, x, fx, u, fu];
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        [v, fv, w, fw] = [w, fw, u, fu];
      } else if (fu <= fv || v === x || v === w) {
        [v, fv] = [u, fu];
      }
    }
  }
  return { alpha: x, phi: fx, dphi: NaN, success: false, message: "iteration limit" };
}

interface DerivativePoint {
  x: number;
  f: number;
  df: number;
}

/** Brent's method with derivatives (Numerical Recipes `dbrent`): secant steps on phi' inside the bracket. */
function brentWithDerivatives(
  line: LineFunction,
  br: Bracket,
  tol: number,
  maxIterations: number,
): LineSearchResult {
  const evaluate = (alpha: number): DerivativePoint => {
    const r = line.phiAndDerivative(alpha);
    return Number.isFinite(r.phi) && Number.isFinite(r.dphi)
      ? { x: alpha, f: r.phi, df: r.dphi }
      : { x: alpha, f: Infinity, df: 0 };
  };
  let a = Math.min(br.a, br.c);
  let b = Math.max(br.a, br.c);
  let X = evaluate(br.b);
  let W = X;
  let V = X;
  let d = 0;
  let e = 0;
  const done = (success: boolean, message: string): LineSearchResult => ({
    alpha: X.x,
    phi: X.f,
    dphi: X.df,
    success,
    message,
  });
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const x = X.x;
    const xm = 0.5 * (a + b);
    const tol1 = tol * Math.abs(x) + ABSOLUTE_FLOOR;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) return done(true, "bracket narrowed to tolerance");
    // The side of x on which the minimizer lies, from the sign of phi'(x).
    const bisect = () => {
      e = X.df >= 0 ? a - x : b - x;
      d = 0.5 * e;
    };
    if (Math.abs(e) > tol1) {
      let d1 = 2 * (b - a);
      let d2 = d1;
      if (W.df !== X.df) d1 = ((W.x - x) * X.df) / (X.df - W.df);
      if (V.df !== X.df) d2 = ((V.x - x) * X.df) / (X.df - V.df);
      const u1 = x + d1;
      const u2 = x + d2;
      const ok1 = (a - u1) * (u1 - b) > 0 && X.df * d1 <= 0;
      const ok2 = (a - u2) * (u2 - b) > 0 && X.df * d2 <= 0;
      const olde = e;
      e = d;
      if (ok1 || ok2) {
        d = ok1 && ok2 ? (Math.abs(d1) < Math.abs(d2) ? d1 : d2) : ok1 ? d1 : d2;
        if (Math.abs(d) <= Math.abs(0.5 * olde)) {
          const u = x + d;
          if (u - a < tol2 || b - u < tol2) d = sign(tol1, xm - x);
        } else {
          bisect();
        }
      } else {
        bisect();
      }
    } else {
      bisect();
    }
    let U: DerivativePoint;
    if (Math.abs(d) >= tol1) {
      U = evaluate(x + d);
    } else {
      U = evaluate(x + sign(tol1, d));
      if (U.f > X.f) return done(true, "no further decrease within tolerance");
    }
    if (U.f <= X.f) {
      if (U.x >= x) a = x;
      else b = x;
      [V, W, X] = [W, X, U];
    } else {
      if (U.x < x) a = U.x;
      else b = U.x;
      if (U.f <= W.f || W.x === x) {
        [V, W] = [W, U];
      } else if (U.f < V.f || V.x === x || V.x === W.x) {
        V = U;
      }
    }
  }
  return done(false, "iteration limit");
}

/**
 * Bracketing followed by Brent's method (seed 004 section 5.1): without derivatives (parabolic interpolation and
 * golden section) or, with `derivatives: true`, using phi' as well (Numerical Recipes `dbrent`).
 */
export function brentSearch(options: ExactSearchOptions & { derivatives?: boolean } = {}): LineSearch {
  const tol = options.tolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 100;
  const derivatives = options.derivatives ?? false;
  return {
    name: derivatives ? "Brent with derivatives" : "Brent",
    search(line, phi0, dphi0, alphaInitial) {
      requireDescent("Brent", dphi0);
      const br = bracketMinimum(line, phi0, alphaInitial);
      if (!br) return failedBracket(phi0, dphi0);
      return derivatives
        ? brentWithDerivatives(line, br, tol, maxIterations)
        : brent(line, br, tol, maxIterations);
    },
  };
}
