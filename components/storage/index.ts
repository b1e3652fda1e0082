export * from "./platformBucket";
