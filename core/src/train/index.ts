export * from "./loop";
export * from "./train";
export * from "./evaluate";
export * from "./benchmark";
export * from "./device";
