export * from "./manifests";
export * from "./modelConfig";
export * from "./modelJobs";
export * from "./modelService";
export * from "./progressiveDelivery";
export * from "./modelGateways";
export * from "./routing";
