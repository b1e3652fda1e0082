export * from "./manifests";
export * from "./mlflowServer";
export * from "./mlflowUsers";
