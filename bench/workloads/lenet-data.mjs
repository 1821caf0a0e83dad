// Inputs shared by every LeNet-5 implementation: a batch of seeded images and labels, and Fashion-MNIST for the
// epoch and the loss surface (the loader of @deltalab/core, so every peer reads the same samples).
import { seededFloats } from "./stats.mjs";

export function syntheticBatch(batch) {
  const images = seededFloats(batch * 28 * 28, 7).map((v) => 0.5 + 0.5 * v);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const oneHot = new Float32Array(batch * 10);
  labels.forEach((label, i) => (oneHot[i * 10 + label] = 1));
  return { batch, images, labels, oneHot };
}

/** Fashion-MNIST's training split through @deltalab/core's loader, as Float32 images in [0, 1] and one-hot labels. */
export function fashionTrain(core, limit) {
  const dataset = core.loadFashionMnist({ split: "train", oneHot: true, ...(limit ? { limit } : {}) });
  return dataset;
}
