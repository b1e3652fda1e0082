export * from "./batchScheduling";
export * from "./kueueObjects";
