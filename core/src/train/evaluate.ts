/** Evaluation of a model on data: mean loss, accuracy and the confusion matrix. */
import type { LossName } from "../losses";
import { checkData, type SupervisedData } from "../model/data";
import { lossValue } from "../model/loss-pass";
import { gather } from "../model/objective";
import type { Sequential } from "../model/sequential";

export interface Evaluation {
  readonly count: number;
  /** (1/l) sum_i r(t_i, y_i), without the regularization term. */
  readonly loss: number;
  /** The fraction of samples whose largest output is at their label. */
  readonly accuracy: number;
  /** confusion[true class][predicted class] = number of samples. */
  readonly confusion: number[][];
}

export interface EvaluateOptions {
  readonly loss: LossName;
  /** Samples per forward pass; default 256. */
  readonly batchSize?: number;
}

function argmax(values: ArrayLike<number>, offset: number, size: number): number {
  let best = 0;
  for (let k = 1; k < size; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}

/**
 * Labels are `data.labels` when present, else the position of each target's largest entry. The predicted class is
 * the position of the largest output (the first one on ties).
 */
export function evaluate(model: Sequential, data: SupervisedData, options: EvaluateOptions): Evaluation {
  checkData(model, data, "evaluate");
  const batchSize = Math.min(options.batchSize ?? 256, data.count);
  const classes = model.outputSize;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const ws = model.workspace(batchSize);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    gather(model, ws, data, null, start, size);
    const output = model.forward(ws, size);
    lossSum += lossValue(model, ws, size, options.loss);
    for (let k = 0; k < size; k++) {
      const truth = data.labels ? data.labels[start + k] : argmax(ws.targets, k * classes, classes);
      if (!Number.isInteger(truth) || truth < 0 || truth >= classes) {
        throw new RangeError(`evaluate: label ${truth} of sample ${start + k} is outside 0..${classes - 1}`);
      }
      const predicted = argmax(output, k * classes, classes);
      confusion[truth][predicted]++;
      if (predicted === truth) correct++;
    }
  }
  return { count: data.count, loss: lossSum / data.count, accuracy: correct / data.count, confusion };
}
