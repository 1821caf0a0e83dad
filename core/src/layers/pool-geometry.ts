/** Window geometry shared by the pooling and sub-sampling layers (seed 004 section 3.4). */
import type { Shape } from "../tensor";
import { formatShape } from "../tensor";
import { LayerConfigError, pair, requirePositiveInteger, type Pair } from "./layer";

export interface PoolGeometry {
  readonly channels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly windowHeight: number;
  readonly windowWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/**
 * Windows of `size` placed every `stride` (default: the window size, the non-overlapping K_u x K_v windows of the
 * document); output size floor((a - K) / s) + 1. Rows or columns left over at the far edge are not read.
 */
export function poolGeometry(name: string, inputShape: Shape, size: Pair, stride?: Pair): PoolGeometry {
  if (inputShape.length !== 3) {
    throw new LayerConfigError(name, `pooling takes images [C, H, W]; got ${formatShape(inputShape)}`);
  }
  const [channels, inHeight, inWidth] = inputShape;
  const [windowHeight, windowWidth] = pair(size);
  const [strideHeight, strideWidth] = pair(stride ?? size);
  requirePositiveInteger(name, "window height", windowHeight);
  requirePositiveInteger(name, "window width", windowWidth);
  requirePositiveInteger(name, "stride", strideHeight);
  requirePositiveInteger(name, "stride", strideWidth);
  if (windowHeight > inHeight || windowWidth > inWidth) {
    throw new LayerConfigError(
      name,
      `window ${windowHeight}x${windowWidth} is larger than the input ${inHeight}x${inWidth} (${formatShape(inputShape)})`,
    );
  }
  return {
    channels,
    inHeight,
    inWidth,
    windowHeight,
    windowWidth,
    strideHeight,
    strideWidth,
    outHeight: Math.floor((inHeight - windowHeight) / strideHeight) + 1,
    outWidth: Math.floor((inWidth - windowWidth) / strideWidth) + 1,
  };
}
