/**
 * Convolution through the explicit matrices, exactly as the documents write it (seed 000 eq. 2, seed 001 eq. 1, 4):
 *
 *   phi(Z) = mat(P_phi P_pad vec(Z))_{hhd x a_out b_out},   S = W phi(Z) + b 1^T,
 *
 * and its backward (seed 001's matrix form of seed 004 eq. 74, 79-81):
 *
 *   dr/dW = (dr/dS) phi(Z)^T,   dr/db = (dr/dS) 1,   dr/dvec(Z) = P_pad^T P_phi^T vec(W^T dr/dS).
 *
 * Everything here is in the document's convention (explicit.ts): inputs and outputs are vec of the d x ab
 * matrices, W is d_out x hhd stored as vec(W). This path is for teaching and checking; `im2colConvForward` is the
 * fast one. `explicitConvForward` / `explicitConvBackward` wrap it for NCHW batches.
 */
import { fromDocumentVec, toDocumentVec, type FloatArray } from "../tensor";
import { connectionMask, type ConnectionTable } from "./connections";
import { paddingMatrix, phiMatrix } from "./explicit";
import type { ConvGeometry } from "./geometry";
import type { SparseMatrix } from "./sparse";

export interface ConvGradients {
  /** vec(dr/dW), d_out x hhd. */
  readonly dW: Float64Array;
  /** dr/db, length d_out. */
  readonly db: Float64Array;
  /** dr/dvec(Z), length d a b. */
  readonly dZ: Float64Array;
}

export class ConvMatrixForm {
  readonly P_pad: SparseMatrix;
  readonly P_phi: SparseMatrix;
  private readonly mask: Float64Array | undefined;

  constructor(
    readonly geometry: ConvGeometry,
    connections?: ConnectionTable,
  ) {
    this.P_pad = paddingMatrix(geometry);
    this.P_phi = phiMatrix(geometry);
    this.mask = connections ? connectionMask(geometry, connections) : undefined;
  }

  /** vec(phi(Z)) = P_phi P_pad vec(Z): hhd x a_out b_out, column-major. */
  phi(vecZ: ArrayLike<number>): Float64Array {
    return this.P_phi.multiply(this.P_pad.multiply(vecZ));
  }

  /** vec(S) = vec(W phi(Z) + b 1^T), d_out x a_out b_out. */
  forward(vecW: ArrayLike<number>, bias: ArrayLike<number>, vecZ: ArrayLike<number>): Float64Array {
    const g = this.geometry;
    const [dOut, R, P] = [g.outChannels, g.patchSize, g.outPositions];
    const W = this.weights(vecW);
    const phi = this.phi(vecZ);
    const S = new Float64Array(dOut * P);
    for (let p = 0; p < P; p++) {
      for (let o = 0; o < dOut; o++) {
        let sum = bias[o];
        for (let r = 0; r < R; r++) sum += W[o + dOut * r] * phi[r + R * p];
        S[o + dOut * p] = sum;
      }
    }
    return S;
  }

  /** The gradients given dS = vec(dr/dS) at the point (W, Z). */
  backward(vecW: ArrayLike<number>, vecZ: ArrayLike<number>, dS: ArrayLike<number>): ConvGradients {
    const g = this.geometry;
    const [dOut, R, P] = [g.outChannels, g.patchSize, g.outPositions];
    const W = this.weights(vecW);
    const phi = this.phi(vecZ);
    const dW = new Float64Array(dOut * R);
    const db = new Float64Array(dOut);
    const WtdS = new Float64Array(R * P);
    for (let p = 0; p < P; p++) {
      for (let o = 0; o < dOut; o++) {
        const d = dS[o + dOut * p];
        db[o] += d;
        for (let r = 0; r < R; r++) {
          dW[o + dOut * r] += d * phi[r + R * p];
          WtdS[r + R * p] += W[o + dOut * r] * d;
        }
      }
    }
    if (this.mask) {
      for (let k = 0; k < dW.length; k++) if (this.mask[k] === 0) dW[k] = 0;
    }
    const dZ = this.P_pad.transposeMultiply(this.P_phi.transposeMultiply(WtdS));
    return { dW, db, dZ };
  }

  private weights(vecW: ArrayLike<number>): ArrayLike<number> {
    const count = this.geometry.outChannels * this.geometry.patchSize;
    if (vecW.length < count) {
      throw new RangeError(`ConvMatrixForm: vec(W) needs ${count} entries, has ${vecW.length}`);
    }
    const mask = this.mask;
    return mask ? Float64Array.from({ length: count }, (_, k) => (mask[k] === 0 ? 0 : vecW[k])) : vecW;
  }
}

/** y = conv(x) for an NCHW batch through the explicit matrices; params = [vec(W); b]. */
export function explicitConvForward(
  form: ConvMatrixForm,
  params: FloatArray,
  x: FloatArray,
  y: FloatArray,
  batch: number,
): void {
  const g = form.geometry;
  const { vecW, bias } = splitParams(g, params);
  for (let n = 0; n < batch; n++) {
    const S = form.forward(vecW, bias, toDocumentVec(x, [g.inChannels, g.height, g.width], n));
    fromDocumentVec(S, [g.outChannels, g.outHeight, g.outWidth], y, n);
  }
}

/** The backward of {@link explicitConvForward}: overwrites grad = [vec(dW); db] and, unless null, dx. */
export function explicitConvBackward(
  form: ConvMatrixForm,
  params: FloatArray,
  x: FloatArray,
  dy: FloatArray,
  dx: FloatArray | null,
  grad: FloatArray,
  batch: number,
): void {
  const g = form.geometry;
  const { vecW } = splitParams(g, params);
  const weightCount = g.outChannels * g.patchSize;
  grad.fill(0, 0, weightCount + g.outChannels);
  for (let n = 0; n < batch; n++) {
    const dS = toDocumentVec(dy, [g.outChannels, g.outHeight, g.outWidth], n);
    const { dW, db, dZ } = form.backward(vecW, toDocumentVec(x, [g.inChannels, g.height, g.width], n), dS);
    for (let k = 0; k < weightCount; k++) grad[k] += dW[k];
    for (let o = 0; o < g.outChannels; o++) grad[weightCount + o] += db[o];
    if (dx) fromDocumentVec(dZ, [g.inChannels, g.height, g.width], dx, n);
  }
}

function splitParams(g: ConvGeometry, params: FloatArray): { vecW: FloatArray; bias: FloatArray } {
  const weightCount = g.outChannels * g.patchSize;
  if (params.length < weightCount + g.outChannels) {
    throw new RangeError(
      `explicit convolution: params need ${weightCount + g.outChannels} entries, have ${params.length}`,
    );
  }
  return {
    vecW: params.subarray(0, weightCount),
    bias: params.subarray(weightCount, weightCount + g.outChannels),
  };
}
