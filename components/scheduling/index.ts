export * from "./batchScheduling";
export * from "./kueueObjects";
export * from "./batchPlan";
export * from "./capacity";
export * from "./priorityClasses";
