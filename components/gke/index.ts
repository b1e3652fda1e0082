export * from "./gkeCluster";
export * from "./gpuNodePool";
export * from "./kubeconfig";
export * from "./nodeConfig";
