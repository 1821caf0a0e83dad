export * from "./objective";
export * from "./optim/transform";
export * from "./optim/schedule";
export * from "./optim/sgd";
export * from "./data";
