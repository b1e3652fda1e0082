export * from "./clusterTls";
export * from "./acme";
