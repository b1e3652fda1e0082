export * from "./tuning";
export * from "./tuningService";
export * from "./modelTuning";
