/** Supervised data as a model sees it: inputs in NCHW order and one target vector per sample. */
import type { ImageDataset, VectorDataset } from "../data/dataset";
import { ShapeMismatchError } from "../layers/layer";
import { formatShape } from "../tensor";
import type { Sequential } from "./sequential";

export interface SupervisedData {
  readonly count: number;
  /** count * inputSize values, sample after sample (NCHW inside a sample). */
  readonly inputs: ArrayLike<number>;
  /** count * outputSize values: a one-hot row per sample for classification. */
  readonly targets: ArrayLike<number>;
  /** Class indices, for accuracy and confusion matrices. */
  readonly labels?: ArrayLike<number>;
}

/** Classification data: targets are the one-hot rows of `labels` (length count * classCount). */
export function classificationData(
  inputs: ArrayLike<number>,
  labels: ArrayLike<number>,
  classCount: number,
): SupervisedData {
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new RangeError(`classCount must be a positive integer, got ${classCount}`);
  }
  const targets = new Float64Array(labels.length * classCount);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new RangeError(`label ${label} of sample ${i} is outside 0..${classCount - 1}`);
    }
    targets[i * classCount + label] = 1;
  }
  return { count: labels.length, inputs, targets, labels };
}

/** An image or vector data set of the data module, with one-hot targets over its class names. */
export function fromDataset(dataset: ImageDataset | VectorDataset): SupervisedData {
  const source = "images" in dataset ? dataset.images : dataset.inputs;
  return classificationData(source, dataset.labels, dataset.classNames.length);
}

/** Checks that data fits a model, naming what differs. */
export function checkData(model: Sequential, data: SupervisedData, where: string): void {
  if (!Number.isInteger(data.count) || data.count < 1) {
    throw new RangeError(`${where}: the data must hold at least one sample, got count ${data.count}`);
  }
  if (data.inputs.length !== data.count * model.inputSize) {
    throw new ShapeMismatchError(
      `${where}: inputs`,
      `${data.count} samples of shape ${formatShape(model.inputShape)} (${data.count * model.inputSize} values)`,
      `${data.inputs.length} values`,
    );
  }
  if (data.targets.length !== data.count * model.outputSize) {
    throw new ShapeMismatchError(
      `${where}: targets`,
      `${data.count} targets of shape ${formatShape(model.outputShape)} (${data.count * model.outputSize} values)`,
      `${data.targets.length} values`,
    );
  }
  if (data.labels && data.labels.length !== data.count) {
    throw new ShapeMismatchError(`${where}: labels`, `${data.count} labels`, `${data.labels.length}`);
  }
}
