/**
 * Sizes of a convolutional layer through padding, convolution, activation and pooling (seed 000, the table of
 * "Summary of a Convolutional Layer III"; seed 001 "Matrix Operations").
 *
 * Names follow the documents: an image has a rows (height), b columns (width) and d channels. A stride s and a
 * padding of p zeros on each side give
 *
 *   a_pad = a + 2 p,   a_conv = floor((a_pad - h) / s) + 1,
 *
 * and likewise for b with the filter width. Pooling with a k x k window and stride s_pool (k by default, no
 * overlap) gives a_pool = floor((a_conv - k) / s_pool) + 1.
 */

/** A number, or [along the height, along the width]. */
export type SizePair = number | readonly [number, number];

export interface ConvGeometryOptions {
  /** d_in. */
  readonly inChannels: number;
  /** a_in, the number of rows. */
  readonly height: number;
  /** b_in, the number of columns. */
  readonly width: number;
  /** d_out, the number of filters. */
  readonly outChannels: number;
  /** h, the filter size (seed 001 uses square h x h filters; [height, width] for rectangular ones). */
  readonly kernel: SizePair;
  /** s (default 1). */
  readonly stride?: SizePair;
  /** p zeros added on each side (default 0). */
  readonly padding?: SizePair;
}

export interface ConvGeometry {
  readonly inChannels: number;
  readonly height: number;
  readonly width: number;
  readonly outChannels: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padHeight: number;
  readonly padWidth: number;
  /** a_pad, b_pad. */
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  /** a_conv = a_out, b_conv = b_out. */
  readonly outHeight: number;
  readonly outWidth: number;
  /** h h d_in: the rows of phi(Z) and the columns of W. */
  readonly patchSize: number;
  /** a_out b_out: the columns of phi(Z) and of S. */
  readonly outPositions: number;
}

export interface PoolGeometryOptions {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** The pooling window. */
  readonly kernel: SizePair;
  /** Default: the window size (no overlap, as in seed 004 eq. 98). */
  readonly stride?: SizePair;
}

export interface PoolGeometry {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

function split(value: SizePair): [number, number] {
  return typeof value === "number" ? [value, value] : [value[0], value[1]];
}

function requireInteger(where: string, name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

export function convGeometry(options: ConvGeometryOptions): ConvGeometry {
  const where = "convGeometry";
  const [kernelHeight, kernelWidth] = split(options.kernel);
  const [strideHeight, strideWidth] = split(options.stride ?? 1);
  const [padHeight, padWidth] = split(options.padding ?? 0);
  requireInteger(where, "inChannels", options.inChannels, 1);
  requireInteger(where, "height", options.height, 1);
  requireInteger(where, "width", options.width, 1);
  requireInteger(where, "outChannels", options.outChannels, 1);
  requireInteger(where, "kernel height", kernelHeight, 1);
  requireInteger(where, "kernel width", kernelWidth, 1);
  requireInteger(where, "stride height", strideHeight, 1);
  requireInteger(where, "stride width", strideWidth, 1);
  requireInteger(where, "padding height", padHeight, 0);
  requireInteger(where, "padding width", padWidth, 0);
  const paddedHeight = options.height + 2 * padHeight;
  const paddedWidth = options.width + 2 * padWidth;
  if (kernelHeight > paddedHeight || kernelWidth > paddedWidth) {
    throw new RangeError(
      `${where}: a ${kernelHeight}x${kernelWidth} filter does not fit the ${paddedHeight}x${paddedWidth} padded input`,
    );
  }
  const outHeight = Math.floor((paddedHeight - kernelHeight) / strideHeight) + 1;
  const outWidth = Math.floor((paddedWidth - kernelWidth) / strideWidth) + 1;
  return {
    inChannels: options.inChannels,
    height: options.height,
    width: options.width,
    outChannels: options.outChannels,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    padHeight,
    padWidth,
    paddedHeight,
    paddedWidth,
    outHeight,
    outWidth,
    patchSize: kernelHeight * kernelWidth * options.inChannels,
    outPositions: outHeight * outWidth,
  };
}

export function poolGeometry(options: PoolGeometryOptions): PoolGeometry {
  const where = "poolGeometry";
  const [kernelHeight, kernelWidth] = split(options.kernel);
  const [strideHeight, strideWidth] = split(options.stride ?? options.kernel);
  requireInteger(where, "channels", options.channels, 1);
  requireInteger(where, "height", options.height, 1);
  requireInteger(where, "width", options.width, 1);
  requireInteger(where, "kernel height", kernelHeight, 1);
  requireInteger(where, "kernel width", kernelWidth, 1);
  requireInteger(where, "stride height", strideHeight, 1);
  requireInteger(where, "stride width", strideWidth, 1);
  if (kernelHeight > options.height || kernelWidth > options.width) {
    throw new RangeError(
      `${where}: a ${kernelHeight}x${kernelWidth} window does not fit the ${options.height}x${options.width} input`,
    );
  }
  return {
    channels: options.channels,
    height: options.height,
    width: options.width,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    outHeight: Math.floor((options.height - kernelHeight) / strideHeight) + 1,
    outWidth: Math.floor((options.width - kernelWidth) / strideWidth) + 1,
  };
}

/**
 * The outputs a filter tap reaches inside the input: the range [lo, hi) of output positions o with
 * 0 <= s o + tap - p < extent (stride s, p zeros of padding before the input), out of `outExtent` outputs. Outside it
 * the tap reads padding. The one statement of this range; the convolution's loops, im2col and the lowered
 * convolution take it from here (the WebAssembly kernels restate it in core/assembly/geometry.ts).
 */
export function validOutputRange(
  tap: number,
  pad: number,
  stride: number,
  extent: number,
  outExtent: number,
): [number, number] {
  const lo = Math.min(outExtent, Math.max(0, Math.ceil((pad - tap) / stride)));
  const hi = Math.max(lo, Math.min(outExtent, Math.floor((extent - 1 + pad - tap) / stride) + 1));
  return [lo, hi];
}

/**
 * The same convolution on its input already padded (seed 000's padding stage done first): a_pad x b_pad input and no
 * zeros of its own, so the outputs and filter taps are the same.
 */
export function onPaddedInput(conv: ConvGeometry): ConvGeometry {
  return convGeometry({
    inChannels: conv.inChannels,
    height: conv.paddedHeight,
    width: conv.paddedWidth,
    outChannels: conv.outChannels,
    kernel: [conv.kernelHeight, conv.kernelWidth],
    stride: [conv.strideHeight, conv.strideWidth],
  });
}

/** The pooling stage that follows a convolution: its input is the a_conv x b_conv x d_out output. */
export function poolAfter(conv: ConvGeometry, kernel: SizePair, stride?: SizePair): PoolGeometry {
  return poolGeometry({
    channels: conv.outChannels,
    height: conv.outHeight,
    width: conv.outWidth,
    kernel,
    stride,
  });
}

/** One row of seed 000's size table: (a, b, d) before and after an operation. */
export interface SizeTableRow {
  readonly operation: "padding" | "convolution" | "activation" | "pooling";
  readonly input: readonly [number, number, number];
  readonly output: readonly [number, number, number];
}

/**
 * Seed 000's table of (a, b, d) at each stage: padding (a, b, d^m) -> (a_pad, b_pad, d^m), convolution ->
 * (a_conv, b_conv, d^{m+1}), activation (same sizes), pooling -> (a^{m+1}, b^{m+1}, d^{m+1}).
 */
export function convLayerSizeTable(conv: ConvGeometry, pool?: PoolGeometry): SizeTableRow[] {
  const d = conv.inChannels;
  const dOut = conv.outChannels;
  const convOut = [conv.outHeight, conv.outWidth, dOut] as const;
  const rows: SizeTableRow[] = [
    {
      operation: "padding",
      input: [conv.height, conv.width, d],
      output: [conv.paddedHeight, conv.paddedWidth, d],
    },
    { operation: "convolution", input: [conv.paddedHeight, conv.paddedWidth, d], output: convOut },
    { operation: "activation", input: convOut, output: convOut },
  ];
  if (pool) {
    checkPoolFollows(conv, pool);
    rows.push({ operation: "pooling", input: convOut, output: [pool.outHeight, pool.outWidth, dOut] });
  }
  return rows;
}

export function checkPoolFollows(conv: ConvGeometry, pool: PoolGeometry): void {
  if (pool.channels !== conv.outChannels || pool.height !== conv.outHeight || pool.width !== conv.outWidth) {
    throw new RangeError(
      `the pooling input ${pool.height}x${pool.width}x${pool.channels} is not the convolution output ` +
        `${conv.outHeight}x${conv.outWidth}x${conv.outChannels}`,
    );
  }
}
