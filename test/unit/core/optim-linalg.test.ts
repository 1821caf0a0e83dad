import { describe, expect, it } from "vitest";
import { cholesky, choleskySolve, pseudoInverseSolve, svd, symmetricEigen } from "@deltalab/core";

const mat = (rows: number[][]) => Float64Array.from(rows.flat());

describe("dense linear algebra", () => {
  it("Cholesky of [[4, 2], [2, 3]] is [[2, 0], [1, sqrt 2]] and solves the system", () => {
    const L = cholesky(
      mat([
        [4, 2],
        [2, 3],
      ]),
      2,
    )!;
    expect(Array.from(L)).toEqual([2, 0, 1, Math.SQRT2]);
    const x = choleskySolve(L, Float64Array.from([8, 7]));
    // 4 x + 2 y = 8, 2 x + 3 y = 7  =>  x = 1.25, y = 1.5
    expect(x[0]).toBeCloseTo(1.25, 14);
    expect(x[1]).toBeCloseTo(1.5, 14);
  });

  it("Cholesky reports an indefinite matrix with null", () => {
    expect(
      cholesky(
        mat([
          [1, 2],
          [2, 1],
        ]),
        2,
      ),
    ).toBeNull();
  });

  it("the symmetric eigen-decomposition of the 1-D Laplacian matches its closed form", () => {
    // tridiag(-1, 2, -1) of size n has eigenvalues 2 - 2 cos(k pi / (n + 1)), k = 1..n.
    const n = 6;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      A[i * n + i] = 2;
      if (i > 0) A[i * n + i - 1] = A[(i - 1) * n + i] = -1;
    }
    const { values, vectors } = symmetricEigen(A, n);
    const expected = Array.from(
      { length: n },
      (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)),
    ).sort((a, b) => b - a);
    expected.forEach((e, k) => expect(values[k]).toBeCloseTo(e, 12));
    // A v_k = lambda_k v_k
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i * n + j] * vectors[j * n + k];
        expect(s).toBeCloseTo(values[k] * vectors[i * n + k], 12);
      }
    }
  });

  it("the SVD of [[3, 0], [4, 5]] has singular values 3 sqrt 5 and sqrt 5 and reconstructs A", () => {
    const A = mat([
      [3, 0],
      [4, 5],
    ]);
    const { U, w, V } = svd(A, 2, 2);
    expect(w[0]).toBeCloseTo(3 * Math.sqrt(5), 13);
    expect(w[1]).toBeCloseTo(Math.sqrt(5), 13);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let k = 0; k < 2; k++) s += U[i * 2 + k] * w[k] * V[j * 2 + k];
        expect(s).toBeCloseTo(A[i * 2 + j], 13);
      }
  });

  it("the SVD of a tall matrix has orthonormal U columns and orthogonal V", () => {
    const A = mat([
      [1, 2, 0],
      [0, 1, 1],
      [1, 0, 1],
      [2, 1, 3],
      [0, 0, 1],
    ]);
    const { U, V } = svd(A, 5, 3);
    for (let p = 0; p < 3; p++)
      for (let q = 0; q < 3; q++) {
        let uu = 0;
        let vv = 0;
        for (let k = 0; k < 5; k++) uu += U[k * 3 + p] * U[k * 3 + q];
        for (let k = 0; k < 3; k++) vv += V[k * 3 + p] * V[k * 3 + q];
        expect(uu).toBeCloseTo(p === q ? 1 : 0, 13);
        expect(vv).toBeCloseTo(p === q ? 1 : 0, 13);
      }
  });

  it("the truncated pseudo-inverse gives the minimum-norm solution of a rank-deficient system (eq. 117)", () => {
    // A = [[1, 1], [1, 1]] has rank 1; A x = (2, 2) has solutions x + y = 2, the shortest is (1, 1).
    const { x, rank } = pseudoInverseSolve(
      mat([
        [1, 1],
        [1, 1],
      ]),
      2,
      2,
      Float64Array.from([2, 2]),
    );
    expect(rank).toBe(1);
    expect(x[0]).toBeCloseTo(1, 13);
    expect(x[1]).toBeCloseTo(1, 13);
  });

  it("the relative truncation drops singular values below truncation * w_max", () => {
    const A = mat([
      [1, 0],
      [0, 1e-9],
    ]);
    expect(pseudoInverseSolve(A, 2, 2, Float64Array.from([1, 1]), 1e-15).rank).toBe(2);
    const single = pseudoInverseSolve(A, 2, 2, Float64Array.from([1, 1]), 1e-7);
    expect(single.rank).toBe(1);
    expect(single.x[1]).toBe(0);
  });
});
