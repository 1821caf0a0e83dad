/**
 * The forward and backward pass of one sample through a model, one operation per step, for the stepper view
 * (payload in ../payloads/steps.ts). Every number comes from the engine's own functions: the layers' forward and
 * backward calls, im2col/col2im and matmul of ../matrix, the losses of ../losses. What the stepper adds is the
 * intermediate matrices of a convolution that the layers do not keep (pad(Z), phi(Z), dr/dphi(Z)) and, for every
 * written entry, which read entries made it.
 *
 * A convolution is shown in the matrix form of Lin's matrix-form slides: pad(Z) (P_pad), phi(Z) (P_phi, eq. 4),
 * S = W phi(Z) + b 1^T (eq. 1); backward dr/dW = dr/dS phi(Z)^T, dr/db = dr/dS 1, dr/dphi(Z) = W^T dr/dS,
 * dr/dpad(Z) = P_phi^T dr/dphi(Z) and dr/dZ = P_pad^T dr/dpad(Z) (Hedberg eq. 74 and 79-81 in matrix form).
 */
import { lossByName, type LossName } from "../losses";
import { Conv2dLayer } from "../layers/conv2d";
import { AveragePoolLayer } from "../layers/average-pool";
import { DenseLayer } from "../layers/dense";
import { MaxPoolLayer } from "../layers/max-pool";
import type { Layer } from "../layers/layer";
import { onPaddedInput, type ConvGeometry } from "../matrix/geometry";
import { col2im, im2col } from "../matrix/im2col";
import { matmul } from "../matrix/gemm";
import { Sequential } from "../model/sequential";
import type { Step, StepLink, StepMatrix, StepReference, StepsPayload } from "../payloads/steps";
import type { Shape } from "../tensor";

export interface StepSample {
  /** One input, in the model's input shape (NCHW for images). */
  readonly input: ArrayLike<number>;
  /** Its target, of the model's output size. */
  readonly target: ArrayLike<number>;
}

export interface TraceStepsOptions {
  /** Default "mse" (the loss of the hand-derivation notes). */
  readonly loss?: LossName;
  /** Plain-text title of the view. */
  readonly title?: string;
  /**
   * Significant digits kept in the payload's values (default: all). A Float32 model holds about 7, and LeNet-5's
   * steps are 4.6 MB of JSON with all 17.
   */
  readonly significantDigits?: number;
}

/** The documents the steps cite, by their short names and anchors in docs/references.md. */
const REFERENCES = "docs/references.md";
function hedberg(equation: string): StepReference {
  return { citation: `Hedberg ${equation}`, href: `${REFERENCES}#hedberg-2015` };
}
function matrixLecture(equation: string): StepReference {
  return { citation: `Lin, matrix-form slides ${equation}`, href: `${REFERENCES}#lin-matrix-form` };
}
function summaryLecture(equation: string): StepReference {
  return { citation: `Lin, conv-layer slides ${equation}`, href: `${REFERENCES}#lin-conv-layer` };
}

const tex = (symbol: string, layer: string) => `${symbol}_{\\mathrm{${layer.replace(/_/g, "\\_")}}}`;
const partial = (of: string) => `\\frac{\\partial r}{\\partial ${of}}`;

/** The symbol of a layer's output: S after a weighted layer, Z after an activation, and so on. */
function outputSymbol(layer: Layer): string {
  if (layer.kind === "conv2d" || layer.kind === "dense") return "S";
  if (layer.kind === "flatten") return "z";
  if (layer.kind === "softmax") return "y";
  if (layer.kind.endsWith("pool") || layer.kind.includes("subsample")) return "P";
  if (layer.parameterCount === 0) return "Z";
  return "Y";
}

function checkSample(model: Sequential, sample: StepSample): void {
  if (!sample || typeof sample !== "object") {
    throw new TypeError("traceSteps needs a sample { input, target }");
  }
  const length = (values: unknown) =>
    values !== null && typeof values === "object" && typeof (values as ArrayLike<number>).length === "number"
      ? (values as ArrayLike<number>).length
      : -1;
  if (length(sample.input) !== model.inputSize) {
    throw new RangeError(
      `traceSteps: the input must have ${model.inputSize} values (shape [${model.inputShape.join(", ")}]), got ${length(sample.input) < 0 ? "no array" : length(sample.input)}`,
    );
  }
  if (length(sample.target) !== model.outputSize) {
    throw new RangeError(
      `traceSteps: the target must have ${model.outputSize} values, got ${length(sample.target) < 0 ? "no array" : length(sample.target)}`,
    );
  }
  for (const [what, values] of [
    ["input", sample.input],
    ["target", sample.target],
  ] as const) {
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k])) {
        throw new RangeError(`traceSteps: ${what} entry ${k} is ${values[k]}; every entry must be finite`);
      }
    }
  }
}

/** Collects matrices and steps; a matrix is added once by name. */
class StepBook {
  readonly matrices: StepMatrix[] = [];
  readonly steps: Step[] = [];

  constructor(private readonly digits?: number) {}

  matrix(
    name: string,
    texLabel: string,
    values: ArrayLike<number>,
    shape: Shape,
    editable?: StepMatrix["editable"],
  ) {
    const [rows, cols, grid] =
      shape.length === 3
        ? [shape[0], shape[1] * shape[2], [shape[1], shape[2]] as [number, number]]
        : shape.length === 2
          ? [shape[0], shape[1], undefined]
          : [shape[0], 1, undefined];
    this.matrices.push({
      name,
      tex: texLabel,
      rows,
      cols,
      values: Array.from(values, (v) => (this.digits ? Number(v.toPrecision(this.digits)) : Number(v))),
      ...(grid ? { grid } : {}),
      ...(editable ? { editable } : {}),
    });
    return name;
  }

  step(step: Step): void {
    this.steps.push(step);
  }
}

/** The conv layer's W as the matrix-form slides' d_out x (kh kw d_in) matrix (zeros where the connection table has none). */
function convWeights(layer: Conv2dLayer, params: ArrayLike<number>): Float64Array {
  const R = layer.kernelHeight * layer.kernelWidth * layer.inChannels;
  const W = new Float64Array(layer.outChannels * R);
  for (let o = 0; o < layer.outChannels; o++) {
    for (let c = 0; c < layer.inChannels; c++) {
      for (let v = 0; v < layer.kernelWidth; v++) {
        for (let u = 0; u < layer.kernelHeight; u++) {
          const index = layer.weightIndex(o, c, u, v);
          const r = u + layer.kernelHeight * (v + layer.kernelWidth * c);
          W[o * R + r] = index < 0 ? 0 : params[index];
        }
      }
    }
  }
  return W;
}

/** For each entry of pad(Z): the entry of Z it copies (none for a padding zero). */
function paddingSources(layer: Conv2dLayer): number[][] {
  const [d, a, b] = [layer.inChannels, layer.inHeight, layer.inWidth];
  const [ph, pw] = [layer.padHeight, layer.padWidth];
  const [ap, bp] = [a + 2 * ph, b + 2 * pw];
  const sources: number[][] = [];
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < ap; i++) {
      for (let j = 0; j < bp; j++) {
        const [x, y] = [i - ph, j - pw];
        sources.push(x >= 0 && x < a && y >= 0 && y < b ? [(c * a + x) * b + y] : []);
      }
    }
  }
  return sources;
}

/** For each entry of phi(pad(Z)) (R x P, row-major): the entry of pad(Z) it copies, found by im2col of the indices. */
function phiSources(g: ConvGeometry): number[][] {
  const size = g.inChannels * g.height * g.width;
  const marked = Float64Array.from({ length: size }, (_, k) => k + 1); // 0 stays for the zeros im2col writes
  const cols = new Float64Array(g.patchSize * g.outPositions);
  im2col(g, marked, 0, cols);
  return Array.from(cols, (k) => (k === 0 ? [] : [k - 1]));
}

/** Inverts a gather map: for each input entry, the output entries that read it. */
function invert(sources: number[][], inputSize: number): number[][] {
  const readers: number[][] = Array.from({ length: inputSize }, () => []);
  sources.forEach((list, out) => list.forEach((k) => readers[k].push(out)));
  return readers;
}

/** For a parameter-free layer that moves or combines entries linearly (pooling, flatten): who reads whom. */
function linearSources(layer: Layer, params: Float64Array): number[][] {
  const x = new Float64Array(layer.inputSize);
  const y = new Float64Array(layer.outputSize);
  const sources: number[][] = Array.from({ length: layer.outputSize }, () => []);
  for (let k = 0; k < layer.inputSize; k++) {
    x.fill(0);
    x[k] = 1;
    layer.forward(params, x, y, 1);
    for (let o = 0; o < y.length; o++) if (y[o] !== 0) sources[o].push(k);
  }
  return sources;
}

/** Pooling windows: for each output entry, the input entries of its window (read from the layer's geometry). */
function poolSources(layer: MaxPoolLayer | AveragePoolLayer): number[][] {
  const g = layer.geometry;
  const sources: number[][] = [];
  for (let c = 0; c < g.channels; c++) {
    for (let x = 0; x < g.outHeight; x++) {
      for (let y = 0; y < g.outWidth; y++) {
        const window: number[] = [];
        for (let u = 0; u < g.kernelHeight; u++) {
          for (let v = 0; v < g.kernelWidth; v++) {
            window.push((c * g.height + x * g.strideHeight + u) * g.width + y * g.strideWidth + v);
          }
        }
        sources.push(window);
      }
    }
  }
  return sources;
}

const everything = (rows: number, cols: number) =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, (_, k) => k));

function float64Model(model: Sequential): Sequential {
  const copy = new Sequential({ ...model.spec, dtype: "float64" }, "reference");
  copy.setParameters(model.getParameters());
  return copy;
}

/**
 * Runs one sample forward and back through a Float64 copy of `model` (the model itself is not touched) and returns
 * every step with the matrices it reads and writes.
 */
export function traceSteps(
  model: Sequential,
  sample: StepSample,
  options: TraceStepsOptions = {},
): StepsPayload {
  if (!(model instanceof Sequential)) throw new TypeError("traceSteps needs a model (a Sequential)");
  checkSample(model, sample);
  const lossName = options.loss ?? "mse";
  const loss = lossByName(lossName);
  const net = float64Model(model);
  if (
    options.significantDigits !== undefined &&
    !(
      Number.isInteger(options.significantDigits) &&
      options.significantDigits >= 1 &&
      options.significantDigits <= 17
    )
  ) {
    throw new RangeError(
      `traceSteps: significantDigits must be an integer from 1 to 17, got ${options.significantDigits}`,
    );
  }
  const book = new StepBook(options.significantDigits);
  const layers = net.layers.map(({ layer }) => layer);

  // Forward: x[l] is the input of layer l, x[L] the output.
  const x: Float64Array[] = [Float64Array.from(sample.input)];
  const names: string[] = [book.matrix("input", "Z_{\\mathrm{in}}", x[0], net.inputShape, "input")];
  const texs: string[] = ["Z_{\\mathrm{in}}"];
  const convParts = new Map<
    number,
    {
      phi: string;
      W: string;
      WValues: Float64Array;
      padded: string;
      geometry: ConvGeometry;
    }
  >();
  layers.forEach((layer, l) => {
    const params = net.layerParameters(l) as Float64Array;
    const y = new Float64Array(layer.outputSize);
    layer.forward(params, x[l], y, 1);
    x.push(y);
    const outTex = tex(outputSymbol(layer), layer.name);
    const outName = `${layer.name}.out`;
    const input = names[l];
    const inTex = texs[l];
    if (layer instanceof Conv2dLayer) {
      const [ph, pw] = [layer.padHeight, layer.padWidth];
      let padded = input;
      let paddedTex = inTex;
      if (ph > 0 || pw > 0) {
        const sources = paddingSources(layer);
        const values = sources.map((list) => (list.length ? x[l][list[0]] : 0));
        paddedTex = `\\mathrm{pad}(${inTex})`;
        padded = book.matrix(`${layer.name}.pad`, paddedTex, values, [
          layer.inChannels,
          layer.inHeight + 2 * ph,
          layer.inWidth + 2 * pw,
        ]);
        book.step({
          id: `${layer.name}.pad`,
          pass: "forward",
          layer: layer.name,
          title: `${layer.name}: zero padding, ${ph} row(s) and ${pw} column(s) on each side`,
          equation: `\\mathrm{vec}(\\mathrm{pad}(${inTex})) = P_{\\mathrm{pad}}\\,\\mathrm{vec}(${inTex})`,
          reference: summaryLecture("eq. 2"),
          reads: [input],
          writes: padded,
          links: [{ kind: "gather", input, sources }],
        });
      }
      const geometry = onPaddedInput(layer.geometry);
      const paddedValues = book.matrices.find((m) => m.name === padded)!.values;
      const phiValues = new Float64Array(geometry.patchSize * geometry.outPositions);
      im2col(geometry, Float64Array.from(paddedValues), 0, phiValues);
      const phiTex = `\\phi(${inTex})`;
      const phi = book.matrix(`${layer.name}.phi`, phiTex, phiValues, [
        geometry.patchSize,
        geometry.outPositions,
      ]);
      book.step({
        id: `${layer.name}.phi`,
        pass: "forward",
        layer: layer.name,
        title: `${layer.name}: phi, every ${layer.kernelHeight}x${layer.kernelWidth} sub-image as a column`,
        equation: `${phiTex} = \\mathrm{mat}\\left(P_{\\phi}\\,\\mathrm{vec}(${paddedTex})\\right)_{h h d^{\\mathrm{in}} \\times a^{\\mathrm{out}} b^{\\mathrm{out}}}`,
        reference: matrixLecture("eq. 4"),
        reads: [padded],
        writes: phi,
        links: [{ kind: "gather", input: padded, sources: phiSources(geometry) }],
      });
      const WValues = convWeights(layer, params);
      const W = book.matrix(
        `${layer.name}.W`,
        tex("W", layer.name),
        WValues,
        [layer.outChannels, geometry.patchSize],
        "parameter",
      );
      const b = book.matrix(
        `${layer.name}.b`,
        tex("b", layer.name),
        params.subarray(layer.weightCount),
        [layer.outChannels],
        "parameter",
      );
      book.matrix(outName, outTex, y, layer.outputShape);
      book.step({
        id: `${layer.name}.S`,
        pass: "forward",
        layer: layer.name,
        title: `${layer.name}: each filter (a row of W) times each sub-image (a column of phi), plus its bias`,
        equation: `${outTex} = ${tex("W", layer.name)}\\,${phiTex} + ${tex("b", layer.name)}\\,\\mathbb{1}^T`,
        reference: matrixLecture("eq. 1"),
        reads: [W, phi, b],
        writes: outName,
        links: [{ kind: "matmul", left: W, right: phi, bias: b }],
      });
      convParts.set(l, { phi, W, WValues, padded, geometry });
    } else if (layer instanceof DenseLayer) {
      const [nOut, nIn] = [layer.outputSize, layer.inputSize];
      const WValues = Float64Array.from(
        { length: nOut * nIn },
        (_, k) => params[Math.floor(k / nIn) + nOut * (k % nIn)],
      );
      const W = book.matrix(`${layer.name}.W`, tex("W", layer.name), WValues, [nOut, nIn], "parameter");
      const reads = [W, input];
      let bias: string | undefined;
      if (layer.hasBias) {
        bias = book.matrix(
          `${layer.name}.b`,
          tex("b", layer.name),
          params.subarray(nOut * nIn),
          [nOut],
          "parameter",
        );
        reads.push(bias);
      }
      book.matrix(outName, outTex, y, [nOut]);
      book.step({
        id: `${layer.name}.s`,
        pass: "forward",
        layer: layer.name,
        title: `${layer.name}: a fully connected layer, each output a row of W times the input`,
        equation: `${outTex} = ${tex("W", layer.name)}\\,${inTex}${bias ? ` + ${tex("b", layer.name)}` : ""}`,
        reference: summaryLecture("eq. 4"),
        reads,
        writes: outName,
        links: [{ kind: "matmul", left: W, right: input, ...(bias ? { bias } : {}) }],
      });
    } else {
      book.matrix(outName, outTex, y, layer.outputShape);
      book.step(forwardStep(layer, params, input, inTex, outName, outTex));
    }
    names.push(outName);
    texs.push(outTex);
  });

  // The loss and dr/dy.
  const L = layers.length;
  const target = book.matrix("target", "t", sample.target, [net.outputSize], "target");
  const lossValue = loss.value(x[L], sample.target, 0, net.outputSize);
  const lossMatrix = book.matrix("loss", "r", [lossValue], [1]);
  const lossTex: Record<LossName, [string, string]> = {
    mse: [`r = \\tfrac{1}{2}\\lVert t - ${texs[L]}\\rVert^2`, "eq. 21"],
    "cross-entropy": [`r = -\\textstyle\\sum_k t_k \\log (${texs[L]})_k`, "eq. 27"],
    "binary-cross-entropy": [
      `r = -\\textstyle\\sum_k t_k \\log (${texs[L]})_k + (1 - t_k) \\log(1 - (${texs[L]})_k)`,
      "eq. 26",
    ],
  };
  book.step({
    id: "loss",
    pass: "forward",
    layer: "loss",
    title: `the loss (${lossName}) of the output against the target`,
    equation: lossTex[lossName][0],
    reference: hedberg(lossTex[lossName][1]),
    reads: [names[L], target],
    writes: lossMatrix,
    links: [{ kind: "all", inputs: [names[L], target] }],
  });
  const delta: Float64Array[] = new Array(L + 1);
  delta[L] = new Float64Array(net.outputSize);
  loss.gradient(x[L], sample.target, delta[L], 0, net.outputSize);
  const deltaNames: string[] = new Array(L + 1);
  deltaNames[L] = book.matrix(`d.${names[L]}`, partial(texs[L]), delta[L], net.outputShape);
  book.step({
    id: "loss.delta",
    pass: "backward",
    layer: "loss",
    title: "the derivative of the loss with respect to the output",
    equation:
      lossName === "mse"
        ? `${partial(texs[L])} = -(t - ${texs[L]})`
        : lossName === "cross-entropy"
          ? `${partial(texs[L])} = -t \\oslash ${texs[L]}`
          : `${partial(texs[L])} = -(t - ${texs[L]}) \\oslash (${texs[L]} \\odot (1 - ${texs[L]}))`,
    reference: hedberg(lossName === "mse" ? "eq. 22-23" : lossName === "cross-entropy" ? "eq. 28" : "eq. 26"),
    reads: [names[L], target],
    writes: deltaNames[L],
    links: [{ kind: "elementwise", inputs: [names[L], target] }],
  });

  // Backward, top layer first. delta[l] = dr/dx[l].
  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l];
    const params = net.layerParameters(l) as Float64Array;
    const grad = new Float64Array(layer.parameterCount);
    const dx = l > 0 ? new Float64Array(layer.inputSize) : null;
    layer.backward(params, x[l], x[l + 1], delta[l + 1], dx, grad, 1);
    delta[l] = dx ?? new Float64Array(layer.inputSize);
    const dOut = deltaNames[l + 1];
    const dOutTex = partial(texs[l + 1]);
    const dInTex = partial(texs[l]);
    const dInName = `d.${names[l]}`;
    if (layer instanceof Conv2dLayer) {
      const { phi, W, WValues, padded, geometry } = convParts.get(l)!;
      const R = geometry.patchSize;
      const P = geometry.outPositions;
      const dW = Float64Array.from(convWeights(layer, grad));
      const phiTex = `\\phi(${texs[l]})`;
      const dWName = book.matrix(`d.${W}`, partial(tex("W", layer.name)), dW, [layer.outChannels, R]);
      book.step({
        id: `${layer.name}.dW`,
        pass: "backward",
        layer: layer.name,
        title: `${layer.name}: the filter gradient, the delta times the sub-images`,
        equation: `${partial(tex("W", layer.name))} = ${dOutTex}\\,${phiTex}^T`,
        reference: hedberg("eq. 79"),
        reads: [dOut, phi],
        writes: dWName,
        links: [{ kind: "matmul", left: dOut, right: phi, transposeRight: true }],
      });
      const dbName = book.matrix(
        `d.${layer.name}.b`,
        partial(tex("b", layer.name)),
        grad.subarray(layer.weightCount),
        [layer.outChannels],
      );
      book.step({
        id: `${layer.name}.db`,
        pass: "backward",
        layer: layer.name,
        title: `${layer.name}: the bias gradient, each row of the delta summed`,
        equation: `${partial(tex("b", layer.name))} = ${dOutTex}\\,\\mathbb{1}`,
        reference: hedberg("eq. 81"),
        reads: [dOut],
        writes: dbName,
        links: [
          {
            kind: "gather",
            input: dOut,
            sources: everything(layer.outChannels, P).map((list, o) => list.map((k) => o * P + k)),
          },
        ],
      });
      if (l === 0) continue;
      // dr/dphi = W^T dr/dS, computed by the engine's matmul on W^T.
      const WT = new Float64Array(R * layer.outChannels);
      for (let o = 0; o < layer.outChannels; o++)
        for (let r = 0; r < R; r++) WT[r * layer.outChannels + o] = WValues[o * R + r];
      const dPhi = matmul(WT, delta[l + 1], R, layer.outChannels, P);
      const dPhiName = book.matrix(`d.${phi}`, partial(phiTex), dPhi, [R, P]);
      book.step({
        id: `${layer.name}.dphi`,
        pass: "backward",
        layer: layer.name,
        title: `${layer.name}: the delta sent back to every sub-image, W transposed times the delta`,
        equation: `${partial(phiTex)} = ${tex("W", layer.name)}^T\\,${dOutTex}`,
        reference: hedberg("eq. 7"),
        reads: [W, dOut],
        writes: dPhiName,
        links: [{ kind: "matmul", left: W, right: dOut, transposeLeft: true }],
      });
      const hasPadding = padded !== names[l];
      const paddedShape: Shape = [geometry.inChannels, geometry.height, geometry.width];
      const dPadded = new Float64Array(geometry.inChannels * geometry.height * geometry.width);
      col2im(geometry, dPhi, dPadded, 0);
      const dPaddedName = hasPadding
        ? book.matrix(`d.${padded}`, partial(`\\mathrm{pad}(${texs[l]})`), dPadded, paddedShape)
        : book.matrix(dInName, dInTex, delta[l], layer.inputShape);
      book.step({
        id: `${layer.name}.col2im`,
        pass: "backward",
        layer: layer.name,
        title: `${layer.name}: each pixel collects the deltas of every sub-image that held it`,
        equation: `\\mathrm{vec}\\left(${hasPadding ? partial(`\\mathrm{pad}(${texs[l]})`) : dInTex}\\right) = P_{\\phi}^T\\,\\mathrm{vec}\\left(${partial(phiTex)}\\right)`,
        reference: hedberg("eq. 74"),
        reads: [dPhiName],
        writes: dPaddedName,
        links: [{ kind: "gather", input: dPhiName, sources: invert(phiSources(geometry), dPadded.length) }],
      });
      if (hasPadding) {
        book.matrix(dInName, dInTex, delta[l], layer.inputShape);
        const sources = paddingSources(layer);
        book.step({
          id: `${layer.name}.unpad`,
          pass: "backward",
          layer: layer.name,
          title: `${layer.name}: the padding's deltas dropped`,
          equation: `\\mathrm{vec}\\left(${dInTex}\\right) = P_{\\mathrm{pad}}^T\\,\\mathrm{vec}\\left(${partial(`\\mathrm{pad}(${texs[l]})`)}\\right)`,
          reference: summaryLecture("eq. 2"),
          reads: [dPaddedName],
          writes: dInName,
          links: [{ kind: "gather", input: dPaddedName, sources: invert(sources, layer.inputSize) }],
        });
      }
      deltaNames[l] = dInName;
    } else if (layer instanceof DenseLayer) {
      const [nOut, nIn] = [layer.outputSize, layer.inputSize];
      const W = `${layer.name}.W`;
      const dW = Float64Array.from(
        { length: nOut * nIn },
        (_, k) => grad[Math.floor(k / nIn) + nOut * (k % nIn)],
      );
      const dWName = book.matrix(`d.${W}`, partial(tex("W", layer.name)), dW, [nOut, nIn]);
      book.step({
        id: `${layer.name}.dW`,
        pass: "backward",
        layer: layer.name,
        title: `${layer.name}: the weight gradient, the delta times the input transposed`,
        equation: `${partial(tex("W", layer.name))} = ${dOutTex}\\,${texs[l]}^T`,
        reference: hedberg("eq. 40"),
        reads: [dOut, names[l]],
        writes: dWName,
        links: [{ kind: "matmul", left: dOut, right: names[l], transposeRight: true }],
      });
      if (layer.hasBias) {
        const dbName = book.matrix(
          `d.${layer.name}.b`,
          partial(tex("b", layer.name)),
          grad.subarray(nOut * nIn),
          [nOut],
        );
        book.step({
          id: `${layer.name}.db`,
          pass: "backward",
          layer: layer.name,
          title: `${layer.name}: the bias gradient is the delta`,
          equation: `${partial(tex("b", layer.name))} = ${dOutTex}`,
          reference: hedberg("eq. 41"),
          reads: [dOut],
          writes: dbName,
          links: [{ kind: "elementwise", inputs: [dOut] }],
        });
      }
      if (l === 0) continue;
      deltaNames[l] = book.matrix(dInName, dInTex, delta[l], layer.inputShape);
      book.step({
        id: `${layer.name}.dx`,
        pass: "backward",
        layer: layer.name,
        title: `${layer.name}: the delta for the layer below, W transposed times the delta`,
        equation: `${dInTex} = ${tex("W", layer.name)}^T\\,${dOutTex}`,
        reference: hedberg("eq. 34-35"),
        reads: [W, dOut],
        writes: dInName,
        links: [{ kind: "matmul", left: W, right: dOut, transposeLeft: true }],
      });
    } else {
      if (l === 0) continue;
      deltaNames[l] = book.matrix(dInName, dInTex, delta[l], layer.inputShape);
      book.step(backwardStep(layer, params, names[l], texs[l], texs[l + 1], dOut, dOutTex, dInName, dInTex));
    }
  }

  return {
    title: options.title ?? `one sample through ${layers.map((layer) => layer.name).join(", ")}`,
    loss: lossName,
    lossValue,
    matrices: book.matrices,
    steps: book.steps,
  };
}

/** The forward step of a layer without weights shown as a matrix: an activation, a pooling, flatten, softmax. */
function forwardStep(
  layer: Layer,
  params: Float64Array,
  input: string,
  inTex: string,
  outName: string,
  outTex: string,
): Step {
  const base = {
    id: `${layer.name}.forward`,
    pass: "forward" as const,
    layer: layer.name,
    reads: [input],
    writes: outName,
  };
  if (
    layer.parameterCount === 0 &&
    layer.inputSize === layer.outputSize &&
    layer.kind !== "flatten" &&
    layer.kind !== "softmax"
  ) {
    return {
      ...base,
      title: `${layer.name}: the activation ${layer.kind}, entry by entry`,
      equation: `${outTex} = \\sigma(${inTex}), \\quad \\sigma = \\mathrm{${layer.kind}}`,
      reference: matrixLecture("eq. 2"),
      links: [{ kind: "elementwise", inputs: [input] }],
    };
  }
  if (layer instanceof MaxPoolLayer || layer instanceof AveragePoolLayer) {
    const sources = poolSources(layer);
    return {
      ...base,
      title: `${layer.name}: ${layer.kind === "max-pool" ? "the largest" : "the mean"} of each window`,
      equation:
        layer.kind === "max-pool"
          ? `(${outTex})_{xy} = \\max_{u, v} (${inTex})_{K_u x + u,\\, K_v y + v}`
          : `\\mathrm{vec}(${outTex}) = P_{\\mathrm{pool}}\\,\\mathrm{vec}(${inTex})`,
      reference: layer.kind === "max-pool" ? hedberg("eq. 98") : summaryLecture("eq. 2"),
      links: [{ kind: "gather", input, sources }],
    };
  }
  if (layer.kind === "flatten") {
    return {
      ...base,
      title: `${layer.name}: the maps stacked into one vector`,
      equation: `${outTex} = \\mathrm{vec}(${inTex})`,
      reference: summaryLecture("(Fully-Connected Layer I)"),
      links: [{ kind: "gather", input, sources: linearSources(layer, params) }],
    };
  }
  return {
    ...base,
    title: `${layer.name}: ${layer.kind}`,
    equation: `${outTex} = \\mathrm{${layer.kind}}(${inTex})`,
    links: [{ kind: "all", inputs: [input] }],
  };
}

/** The backward step of a layer handled by forwardStep: its input delta, from the layer's own backward call. */
function backwardStep(
  layer: Layer,
  params: Float64Array,
  input: string,
  inTex: string,
  outTex: string,
  dOut: string,
  dOutTex: string,
  dInName: string,
  dInTex: string,
): Step {
  const base = {
    id: `${layer.name}.backward`,
    pass: "backward" as const,
    layer: layer.name,
    writes: dInName,
  };
  if (
    layer.parameterCount === 0 &&
    layer.inputSize === layer.outputSize &&
    layer.kind !== "flatten" &&
    layer.kind !== "softmax"
  ) {
    return {
      ...base,
      title: `${layer.name}: the delta times the activation's slope, entry by entry`,
      equation: `${dInTex} = ${dOutTex} \\odot \\sigma'(${inTex})`,
      reference: hedberg("eq. 6-7"),
      reads: [dOut, input],
      links: [{ kind: "elementwise", inputs: [dOut, input] }],
    };
  }
  if (layer instanceof MaxPoolLayer || layer instanceof AveragePoolLayer || layer.kind === "flatten") {
    const forward =
      layer instanceof MaxPoolLayer || layer instanceof AveragePoolLayer
        ? poolSources(layer)
        : linearSources(layer, params);
    const link: StepLink = { kind: "gather", input: dOut, sources: invert(forward, layer.inputSize) };
    return {
      ...base,
      title:
        layer.kind === "max-pool"
          ? `${layer.name}: each window's delta goes to its largest entry`
          : layer.kind === "average-pool"
            ? `${layer.name}: each window's delta shared equally by its entries`
            : `${layer.name}: the vector's delta put back in the maps' shape`,
      equation:
        layer.kind === "flatten"
          ? `${dInTex} = \\mathrm{mat}\\left(${dOutTex}\\right)`
          : `\\mathrm{vec}\\left(${dInTex}\\right) = P_{\\mathrm{pool}}^T\\,\\mathrm{vec}\\left(${dOutTex}\\right)`,
      ...(layer.kind === "max-pool" ? { reference: hedberg("eq. 99") } : {}),
      reads: layer.kind === "max-pool" ? [dOut, input] : [dOut],
      links: [link],
    };
  }
  return {
    ...base,
    title: `${layer.name}: the delta back through ${layer.kind}`,
    equation: `${dInTex} = \\left(\\frac{\\partial ${outTex}}{\\partial ${inTex}}\\right)^T ${dOutTex}`,
    reference: hedberg("eq. 7"),
    reads: [dOut, input],
    links: [{ kind: "all", inputs: [dOut, input] }],
  };
}
