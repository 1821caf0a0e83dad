/**
 * Small dense linear algebra for the optimizers (row-major Float64Array matrices): Cholesky, the symmetric
 * eigen-decomposition and the SVD by Jacobi rotations, and the truncated pseudo-inverse solve of seed 004 eq. 117.
 */

function requireSquare(name: string, A: Float64Array, n: number): void {
  if (A.length !== n * n)
    throw new RangeError(`${name}: matrix has ${A.length} entries; expected ${n} x ${n}`);
}

/**
 * The Cholesky factor L (lower triangular, A = L L^T) of a symmetric positive definite n x n matrix, or null when
 * a pivot is not positive (A is not positive definite to working precision).
 */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  requireSquare("cholesky", A, n);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}

/** Solves L L^T x = b given the Cholesky factor L. */
export function choleskySolve(L: Float64Array, b: Float64Array): Float64Array {
  const n = b.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

export interface SymmetricEigen {
  /** Eigenvalues in decreasing order. */
  values: Float64Array;
  /** Eigenvectors as the columns of an n x n row-major matrix, in the order of `values`. */
  vectors: Float64Array;
}

/** The eigen-decomposition A = V diag(values) V^T of a symmetric matrix by cyclic Jacobi rotations. */
export function symmetricEigen(A: Float64Array, n: number, maxSweeps = 60): SymmetricEigen {
  requireSquare("symmetricEigen", A, n);
  const a = Float64Array.from(A);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        total += a[i * n + j] ** 2;
        if (i !== j) off += a[i * n + j] ** 2;
      }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation that zeroes a_pq (Golub-Van Loan Alg. 8.5.1).
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = V[k * n + from];
  });
  return { values, vectors };
}

export interface Svd {
  /** m x n, orthonormal columns (for the non-zero singular values). */
  U: Float64Array;
  /** Singular values w_j >= 0 in decreasing order (seed 004 eq. 116). */
  w: Float64Array;
  /** n x n orthogonal. */
  V: Float64Array;
}

/**
 * A = U diag(w) V^T (seed 004 eq. 116) for an m x n matrix with m >= n, by one-sided Jacobi rotations
 * (Hestenes): columns of A are rotated pairwise until orthogonal; their norms are the singular values.
 */
export function svd(A: Float64Array, m: number, n: number, maxSweeps = 60): Svd {
  if (A.length !== m * n) throw new RangeError(`svd: matrix has ${A.length} entries; expected ${m} x ${n}`);
  if (m < n) throw new RangeError(`svd: needs m >= n, got ${m} x ${n}; decompose the transpose instead`);
  const U = Float64Array.from(A);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let k = 0; k < m; k++) {
          alpha += U[k * n + p] ** 2;
          beta += U[k * n + q] ** 2;
          gamma += U[k * n + p] * U[k * n + q];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < m; k++) {
          const up = U[k * n + p];
          const uq = U[k * n + q];
          U[k * n + p] = c * up - s * uq;
          U[k * n + q] = s * up + c * uq;
        }
        for (let k = 0; k < n; k++) {
          const vp = V[k * n + p];
          const vq = V[k * n + q];
          V[k * n + p] = c * vp - s * vq;
          V[k * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let k = 0; k < m; k++) s += U[k * n + j] ** 2;
    return Math.sqrt(s);
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j] - norms[i]);
  const w = Float64Array.from(order, (j) => norms[j]);
  const Us = new Float64Array(m * n);
  const Vs = new Float64Array(n * n);
  order.forEach((from, to) => {
    const wj = norms[from];
    for (let k = 0; k < m; k++) Us[k * n + to] = wj > 0 ? U[k * n + from] / wj : 0;
    for (let k = 0; k < n; k++) Vs[k * n + to] = V[k * n + from];
  });
  return { U: Us, w, V: Vs };
}

/**
 * x = V diag(1/w_j) U^T b (seed 004 eq. 117) with 1/w_j set to 0 where w_j <= truncation * max w (section 4.2:
 * 1e-7 for single precision, 1e-15 for double). Returns x and the number of singular values kept.
 */
export function pseudoInverseSolve(
  A: Float64Array,
  m: number,
  n: number,
  b: Float64Array,
  truncation = 1e-15,
): { x: Float64Array; rank: number } {
  if (b.length !== m) throw new RangeError(`pseudoInverseSolve: b has length ${b.length}; expected ${m}`);
  const { U, w, V } = svd(A, m, n);
  const cutoff = truncation * w[0];
  const x = new Float64Array(n);
  let rank = 0;
  for (let j = 0; j < n; j++) {
    if (!(w[j] > cutoff)) continue;
    rank++;
    let utb = 0;
    for (let k = 0; k < m; k++) utb += U[k * n + j] * b[k];
    const coefficient = utb / w[j];
    for (let i = 0; i < n; i++) x[i] += V[i * n + j] * coefficient;
  }
  return { x, rank };
}
