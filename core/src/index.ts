export * from "./objective";
