export * from "./manifests";
export * from "./mlflowServer";
