export * from "./clusterTls";
