export * from "./objective";
export * from "./optim/transform";
