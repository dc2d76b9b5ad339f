import {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  SyncHook,
} from "tapable";
import type { Router } from "express";
import type { CollectorError } from "./errors";
import type { IngestPayload } from "./events";
import type { WriteBatch } from "./storage/records";
import type { Identity, IngestContext, IngestOutcome, QueryContext, QueryPrincipal, QueryResult } from "./context";
import type { StorageCallReport } from "./lifecycle/storage-guard";

/**
 * Every hook of the kernel, declared once. A plugin taps these by name in its `apply(kernel)`.
 * Bail hooks: the first tap to return a value decides. Waterfalls: each tap returns the value the
 * next one receives (returning undefined keeps it). Parallel hooks: observers; failures are logged.
 */
export function createHooks() {
  return Object.freeze({
    /** Before credentials are read, on headers only (the body is not parsed yet). Return a
     * CollectorError to refuse the request. Tapped by: rate-limit, CORS/origin checks, bot filters. */
    beforeAuth: new AsyncSeriesBailHook<[IngestContext], CollectorError | undefined>(["ctx"]),
    /** Decide who sent an ingest request. Return an Identity to accept, a CollectorError to refuse,
     * undefined to let the next strategy try. Tapped by: auth strategies (project-key, jwt, both). */
    authenticate: new AsyncSeriesBailHook<[IngestContext], Identity | CollectorError | undefined>(["ctx"]),
    /** Transform a validated, sanitized payload before it is stored (drop or enrich events).
     * Tapped by: config.hooks.onBeforeInsert, scrubbers, enrichers. */
    onBeforeInsert: new AsyncSeriesWaterfallHook<[IngestPayload, IngestContext]>(["payload", "ctx"]),
    /** Take a checked batch into a durable buffer instead of writing it now: return `true` once it is durably
     * held (the reply counts it as `buffered`), a CollectorError to refuse (503 when the buffer is away),
     * undefined to let the kernel write it. Tapped by: jetstream. */
    bufferBatch: new AsyncSeriesBailHook<[WriteBatch, IngestContext], true | CollectorError | undefined>(["batch", "ctx"]),
    /** After a batch is committed (not after a buffered one). Observers only: metrics, webhooks, streaming. */
    afterInsert: new AsyncParallelHook<[IngestOutcome, IngestContext]>(["outcome", "ctx"]),
    /** Decide who may read. Return a QueryPrincipal to allow, a CollectorError to refuse, undefined
     * to let the next tap try. With no tap the query API is open. Tapped by: query-auth. */
    authorizeQuery: new AsyncSeriesBailHook<[QueryContext], QueryPrincipal | CollectorError | undefined>(["ctx"]),
    /** Reshape a query response before it is sent (redaction, extra fields). */
    afterQuery: new AsyncSeriesWaterfallHook<[QueryResult, QueryContext]>(["result", "ctx"]),
    /** Mount extra routes on the rendered router, before the kernel's own. Tapped by: viewer, CORS. */
    routes: new SyncHook<[Router]>(["router"]),
    /** Once, after the storage is migrated and before the router serves. */
    startup: new AsyncSeriesHook<[]>([]),
    /** After every storage call on the request path (batch writes, key lookups, readiness probes): its
     * duration and whether it failed or timed out. Observers only, synchronous. Tapped by: prometheus. */
    storageCall: new SyncHook<[StorageCallReport]>(["call"]),
    /** Once, from collector.close(), after in-flight requests finished and before the storage closes:
     * release timers, connections. */
    shutdown: new AsyncParallelHook<[]>([]),
  });
}

export type KernelHooks = ReturnType<typeof createHooks>;
export type HookName = keyof KernelHooks;
