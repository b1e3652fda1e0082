export * from "./gkeCluster";
export * from "./gpuNodePool";
export * from "./hardening";
export * from "./kubeconfig";
export * from "./nodeConfig";
