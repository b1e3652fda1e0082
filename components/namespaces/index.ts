export * from "./manifests";
export * from "./teamNamespace";
