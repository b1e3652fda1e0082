export * from "./manifests";
export * from "./teamNamespace";
export * from "./platformNamespace";
export * from "./platformPolicies";
