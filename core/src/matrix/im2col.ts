/**
 * im2col: phi(pad(Z)) of seed 001 for the engine's NCHW layout, without forming P_phi or P_pad.
 *
 * The result `cols` is R x P row-major with R = h_a h_b d_in rows and P = a_out b_out columns. Its rows are in the
 * document's order (r = u + h_a (v + h_b c): row offset u fastest, then column offset v, then channel c), so the
 * document's W (d_out x R) multiplies it directly. Its columns are in the engine's order (p = i b_out + j, the
 * output column j fastest), so W cols is the NCHW output of one sample. In other words cols = phi(pad(Z)) with the
 * columns permuted from the document's order (i + a_out j) to NCHW order.
 */
import type { FloatArray } from "../tensor";
import { validOutputRange, type ConvGeometry } from "./geometry";

/** Writes phi(pad(x_n)) for the sample starting at x[xOffset] into cols (length at least R P). */
export function im2col(g: ConvGeometry, x: FloatArray, xOffset: number, cols: FloatArray): void {
  const P = g.outPositions;
  for (let c = 0; c < g.inChannels; c++) {
    const channel = xOffset + c * g.height * g.width;
    for (let v = 0; v < g.kernelWidth; v++) {
      const [j0, j1] = validOutputRange(v, g.padWidth, g.strideWidth, g.width, g.outWidth);
      for (let u = 0; u < g.kernelHeight; u++) {
        const rowBase = (u + g.kernelHeight * (v + g.kernelWidth * c)) * P;
        for (let i = 0; i < g.outHeight; i++) {
          const out = rowBase + i * g.outWidth;
          const sourceRow = i * g.strideHeight + u - g.padHeight;
          if (sourceRow < 0 || sourceRow >= g.height) {
            cols.fill(0, out, out + g.outWidth);
            continue;
          }
          cols.fill(0, out, out + j0);
          let source = channel + sourceRow * g.width + j0 * g.strideWidth + v - g.padWidth;
          for (let j = j0; j < j1; j++, source += g.strideWidth) cols[out + j] = x[source];
          cols.fill(0, out + j1, out + g.outWidth);
        }
      }
    }
  }
}

/** The adjoint of im2col: adds phi^T applied to `cols` (R x P as above) into the sample at dx[dxOffset]. */
export function col2im(g: ConvGeometry, cols: FloatArray, dx: FloatArray, dxOffset: number): void {
  const P = g.outPositions;
  for (let c = 0; c < g.inChannels; c++) {
    const channel = dxOffset + c * g.height * g.width;
    for (let v = 0; v < g.kernelWidth; v++) {
      const [j0, j1] = validOutputRange(v, g.padWidth, g.strideWidth, g.width, g.outWidth);
      for (let u = 0; u < g.kernelHeight; u++) {
        const rowBase = (u + g.kernelHeight * (v + g.kernelWidth * c)) * P;
        for (let i = 0; i < g.outHeight; i++) {
          const sourceRow = i * g.strideHeight + u - g.padHeight;
          if (sourceRow < 0 || sourceRow >= g.height) continue;
          const out = rowBase + i * g.outWidth;
          let target = channel + sourceRow * g.width + j0 * g.strideWidth + v - g.padWidth;
          for (let j = j0; j < j1; j++, target += g.strideWidth) dx[target] += cols[out + j];
        }
      }
    }
  }
}
