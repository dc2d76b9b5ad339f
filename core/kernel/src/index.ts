export { Kernel, DEFAULT_MAX_BODY_BYTES, REPLY_REJECTIONS, type KernelOptions } from "./kernel";
export { createHooks, type KernelHooks, type HookName } from "./hooks";
export { KERNEL_VERSION, PluginError, assertKernelSupported, assertRequirementsMet, type CollectorPlugin, type KernelApi, type PluginErrorCode } from "./plugin";
export { CollectorError, ERROR_CODES, reject, isCollectorError, type ErrorCode, type ErrorBody } from "./errors";
export * from "./events";
export * from "./context";
export type * from "./storage/adapter";
export type * from "./storage/records";
export { rollupFor, forEachSample, periodIndex, periodStart, ROLLUP_SPANS, BASE_CELL_PX, HOUR_MS, DAY_MS } from "./heat/grid";
export {
  DEFAULT_RAGE_CLICK_RULE,
  checkRageClickRule,
  rageClickStarts,
  rageClickWindow,
  rederiveRageClicks,
  clickRow,
  type RageClickRule,
  type RageClickRecord,
  type SessionClick,
  type ClickRow,
} from "./heat/rage-clicks";
export { ProjectRegistry, hashSecret, generateSecret, generateProjectId, type ProjectDefinition } from "./projects";
export { createLogger, type Logger, type LogLevel } from "./logger";
export { Metrics } from "./metrics";
export { storageUnavailable, STORAGE_RETRY_AFTER_SEC, type StorageOp, type StorageCallReport } from "./lifecycle/storage-guard";
export { DEFAULT_PAYLOAD_LIMITS, type PayloadLimits, type PayloadIssue } from "./ingest/schema";
export {
  createBatchChecker,
  type BatchCheck,
  type CheckedBatch,
  type RefusedBatch,
  type EventRejection,
  type EventRejectionCode,
  type PayloadHints,
} from "./ingest/check-batch";
export { CUT_MARKER, REPLACEMENT_CHAR } from "./ingest/text-repair";
export { PATH_MAX_LENGTH } from "./ingest/field-limits";
export { pageOf, bucketOf } from "./ingest/to-records";
export { splitRange } from "./query/heatmap";
