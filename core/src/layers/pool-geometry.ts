/**
 * The windows of the pooling and sub-sampling layers (seed 004 section 3.4), as a layer states them: the checks
 * name the layer, and the geometry itself is the matrix form's `PoolGeometry` (matrix/geometry.ts), where the output
 * size floor((a - K) / s) + 1 is written once. Windows of `size` are placed every `stride` (default: the window
 * size, the non-overlapping K_u x K_v windows of the document); rows or columns left over at the far edge are not
 * read.
 */
import { poolGeometry, type PoolGeometry } from "../matrix/geometry";
import type { Shape } from "../tensor";
import { formatShape } from "../tensor";
import { LayerConfigError, pair, requirePositiveInteger, type Pair } from "./layer";

export type { PoolGeometry } from "../matrix/geometry";

export function layerPoolGeometry(name: string, inputShape: Shape, size: Pair, stride?: Pair): PoolGeometry {
  if (inputShape.length !== 3) {
    throw new LayerConfigError(name, `pooling takes images [C, H, W]; got ${formatShape(inputShape)}`);
  }
  const [channels, height, width] = inputShape;
  const [windowHeight, windowWidth] = pair(size);
  const [strideHeight, strideWidth] = pair(stride ?? size);
  requirePositiveInteger(name, "window height", windowHeight);
  requirePositiveInteger(name, "window width", windowWidth);
  requirePositiveInteger(name, "stride", strideHeight);
  requirePositiveInteger(name, "stride", strideWidth);
  if (windowHeight > height || windowWidth > width) {
    throw new LayerConfigError(
      name,
      `window ${windowHeight}x${windowWidth} is larger than the input ${height}x${width} (${formatShape(inputShape)})`,
    );
  }
  return poolGeometry({
    channels,
    height,
    width,
    kernel: [windowHeight, windowWidth],
    stride: [strideHeight, strideWidth],
  });
}
