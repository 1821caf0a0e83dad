export * from "./sequential";
export * from "./workspace";
export * from "./data";
export * from "./loss-pass";
export * from "./objective";
export * from "./lenet5";
export * from "./serialize";
export * from "./least-squares";
