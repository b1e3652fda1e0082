export * from "./platformNetwork";
