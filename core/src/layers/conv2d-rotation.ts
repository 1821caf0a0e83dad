/**
 * The input delta of a convolution computed literally as seed 004 eq. 71-74 and Table 5 write it, as a second
 * implementation to check `Conv2dLayer.backward` against and to show the construction step by step:
 *
 * 1. Remark 5: with stride s the delta is first spread out ("dilated") to the stride-1 output grid, zeros between.
 * 2. Delta padding: the dilated delta gets kh - 1 zero rows and kw - 1 zero columns on every side (the document says
 *    M_u, M_v with its kernel indices running 0..M_u; for a kernel of kh rows that is kh - 1).
 * 3. Kernel rotation: omega~ = rot180(omega).
 * 4. dr/dpad(Y_c) = sum_{o : c in D_o} (delta~_o star omega~_{oc}) (eq. 74, before the phi' factor), and the zero
 *    padding of the input is cropped away.
 *
 * It allocates and is slow; use it for checking and teaching only.
 */
import type { FloatArray } from "../tensor";
import type { Conv2dLayer } from "./conv2d";

export function conv2dInputDeltaByRotation(
  layer: Conv2dLayer,
  params: FloatArray,
  dy: FloatArray,
  batch: number,
): Float64Array {
  const { inChannels, inHeight, inWidth, outChannels, outHeight, outWidth } = layer;
  const {
    kernelHeight: kh,
    kernelWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    padHeight: ph,
    padWidth: pw,
  } = layer;
  const paddedHeight = inHeight + 2 * ph;
  const paddedWidth = inWidth + 2 * pw;
  // Stride-1 output size over the padded input, and the delta grid padded by kh - 1, kw - 1 on each side.
  const fullHeight = paddedHeight - kh + 1;
  const fullWidth = paddedWidth - kw + 1;
  const tildeHeight = fullHeight + 2 * (kh - 1);
  const tildeWidth = fullWidth + 2 * (kw - 1);
  const dx = new Float64Array(batch * inChannels * inHeight * inWidth);
  const deltaTilde = new Float64Array(tildeHeight * tildeWidth);
  const rotated = new Float64Array(kh * kw);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outChannels; o++) {
      deltaTilde.fill(0);
      for (let oy = 0; oy < outHeight; oy++) {
        for (let ox = 0; ox < outWidth; ox++) {
          const value = dy[((n * outChannels + o) * outHeight + oy) * outWidth + ox];
          deltaTilde[(oy * sh + kh - 1) * tildeWidth + ox * sw + kw - 1] = value;
        }
      }
      for (const c of layer.connections[o]) {
        for (let u = 0; u < kh; u++) {
          for (let v = 0; v < kw; v++)
            rotated[u * kw + v] = params[layer.weightIndex(o, c, kh - 1 - u, kw - 1 - v)];
        }
        // (delta~ star omega~)(y, x) = sum_{u, v} delta~[y + u, x + v] omega~[u, v] (eq. 61), on the padded input.
        for (let y = ph; y < ph + inHeight; y++) {
          for (let x = pw; x < pw + inWidth; x++) {
            let sum = 0;
            for (let u = 0; u < kh; u++) {
              for (let v = 0; v < kw; v++)
                sum += deltaTilde[(y + u) * tildeWidth + x + v] * rotated[u * kw + v];
            }
            dx[((n * inChannels + c) * inHeight + y - ph) * inWidth + x - pw] += sum;
          }
        }
      }
    }
  }
  return dx;
}
