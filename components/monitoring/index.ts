export * from "./alertmanager";
export * from "./alertRules";
export * from "./dcgmExporter";
export * from "./monitoringStack";
export * from "./namespaces";
