/** Loss landscapes: planes through theta*, the loss on a grid, paths projected onto the plane, 1-D interpolation. */
export * from "./groups";
export * from "./directions";
export * from "./pca";
export * from "./grid";
export * from "./modelEvaluator";
export * from "./projection";
export * from "./interpolation";
export * from "./payload";
