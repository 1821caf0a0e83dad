export * from "./dataset";
export * from "./fashion-mnist";
export * from "./idx";
export * from "./random";
export * from "./subset";
export * from "./synthetic";
