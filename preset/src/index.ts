export { createCollector, defaultPlugins, DEFAULT_RATE_LIMIT, type Collector } from "./create-collector";
export type { CollectorConfig, AuthConfig, DbConfig, OnBeforeInsert } from "./config";
export { storageFromDb } from "./storage-from-db";
export * from "@m-software-engineering/heat-collector-kernel";
