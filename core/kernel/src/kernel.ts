import type { Router } from "express";
import { CollectorError, isCollectorError } from "./errors";
import { createHooks, type KernelHooks } from "./hooks";
import { assertKernelSupported, assertRequirementsMet, type CollectorPlugin, type KernelApi } from "./plugin";
import type { StorageAdapter } from "./storage/adapter";
import type { IngestContext, IngestReply, QueryContext, QueryResult, RequestContext } from "./context";
import { createLogger, type Logger, type LogLevel } from "./logger";
import { Metrics } from "./metrics";
import { ProjectRegistry } from "./projects";
import { DEFAULT_PAYLOAD_LIMITS, type PayloadIssue, type PayloadLimits } from "./ingest/schema";
import { createBatchChecker, type CheckedBatch, type EventRejection } from "./ingest/check-batch";
import { sanitizePayload } from "./ingest/privacy";
import type { IngestPayload } from "./events";
import { toWriteBatch } from "./ingest/to-records";
import { createJsonBodyReader } from "./http/body";
import { renderRouter, type RoutedKernel } from "./http/router";
import { Queries } from "./query/queries";
import { InFlight } from "./lifecycle/in-flight";
import { StorageGuard } from "./lifecycle/storage-guard";
import { ReadinessProbe } from "./lifecycle/readiness";

export interface KernelOptions {
  logger?: Logger;
  logLevel?: LogLevel;
  /** Run `storage.migrate()` in start(). Default true. */
  autoMigrate?: boolean;
  /** Largest accepted ingest body, with or without Content-Length. Default 1 MB. */
  maxBodyBytes?: number;
  limits?: Partial<PayloadLimits>;
  /** Longest wait for one storage call on the request path before answering 503 storage_unavailable. Default 10 s. */
  storageTimeoutMs?: number;
  /** Longest wait for the storage in GET /readyz. Default 2 s. */
  readyTimeoutMs?: number;
  /** Longest wait in close() for requests and storage calls in flight before closing the storage anyway. Default 15 s. */
  drainTimeoutMs?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1_000_000;
export const DEFAULT_STORAGE_TIMEOUT_MS = 10_000;
export const DEFAULT_READY_TIMEOUT_MS = 2_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 15_000;
/** Seconds a client is asked to wait after `shutting_down`: another instance can take the retry at once. */
const CLOSING_RETRY_AFTER_SEC = 1;
/** Rejections listed in a reply; `rejected` counts them all. */
export const REPLY_REJECTIONS = 10;

/**
 * The collector kernel: owns the hooks, the one storage adapter and the ingest and query pipelines,
 * and renders them as an Express router. It imports no concrete plugin; plugins and the router see it
 * through the interfaces they declare (KernelApi, RoutedKernel), so neither imports this file.
 */
export class Kernel implements KernelApi, RoutedKernel {
  readonly hooks: KernelHooks = createHooks();
  readonly logger: Logger;
  readonly metrics = new Metrics();
  readonly projects: ProjectRegistry;
  readonly queries: Queries;
  readonly limits: PayloadLimits;
  readonly maxBodyBytes: number;
  /** Requests being answered and storage calls still running; close() waits for them. */
  readonly inFlight = new InFlight();
  readonly storageGuard: StorageGuard;

  private storageAdapter: StorageAdapter | undefined;
  private readonly pluginNames = new Set<string>();
  private readonly applied: CollectorPlugin[] = [];
  private readonly checkBatch: ReturnType<typeof createBatchChecker>;
  private readonly readBody: ReturnType<typeof createJsonBodyReader>;
  private renderedRouter: Router | undefined;
  private state: "new" | "started" | "closing" | "closed" = "new";
  private closing: Promise<void> | undefined;
  private readonly readiness: ReadinessProbe;

  constructor(private readonly options: KernelOptions = {}) {
    this.logger = options.logger ?? createLogger(options.logLevel);
    this.limits = { ...DEFAULT_PAYLOAD_LIMITS, ...options.limits };
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.checkBatch = createBatchChecker(this.limits);
    this.readBody = createJsonBodyReader(this.maxBodyBytes);
    this.storageGuard = new StorageGuard({
      timeoutMs: options.storageTimeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS,
      logger: this.logger,
      inFlight: this.inFlight,
      report: (call) => this.hooks.storageCall.call(call),
    });
    this.readiness = new ReadinessProbe(() => this.storage, this.storageGuard, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    this.projects = new ProjectRegistry(() => this.storage, this.storageGuard);
    this.queries = new Queries(() => this.storage, this.metrics, this.projects);
  }

  /** Applies a plugin. Names are unique: the same plugin cannot be applied twice. */
  use(plugin: CollectorPlugin): this {
    if (this.state !== "new") throw new Error(`plugin "${plugin.name}" applied after start()`);
    if (this.pluginNames.has(plugin.name)) throw new Error(`plugin "${plugin.name}" is already applied`);
    assertKernelSupported(plugin);
    this.pluginNames.add(plugin.name);
    this.applied.push(plugin);
    plugin.apply(this);
    return this;
  }

  get plugins(): readonly string[] {
    return [...this.pluginNames];
  }

  /** Registers the one storage adapter; a second registration is an error. */
  registerStorage(adapter: StorageAdapter): void {
    if (this.storageAdapter) {
      throw new Error(`a storage adapter ("${this.storageAdapter.name}") is already registered; cannot add "${adapter.name}"`);
    }
    this.storageAdapter = adapter;
  }

  get storage(): StorageAdapter {
    if (!this.storageAdapter) throw new Error("no storage adapter registered");
    return this.storageAdapter;
  }

  /** Migrates (unless autoMigrate is false), runs `startup` taps and renders the router. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error("kernel already started");
    if (!this.hooks.authenticate.isUsed()) throw new Error("no authentication strategy: apply an auth plugin");
    assertRequirementsMet(this.applied);
    const storage = this.storage;
    if (this.options.autoMigrate ?? true) await storage.migrate();
    await this.hooks.startup.promise();
    this.renderedRouter = renderRouter(this);
    this.state = "started";
    this.logger.debug("kernel started", { storage: storage.name, plugins: this.plugins });
  }

  get router(): Router {
    if (!this.renderedRouter) throw new Error("kernel not started");
    return this.renderedRouter;
  }

  /** The ingest pipeline: beforeAuth → authenticate → read body → validate → sanitize →
   * onBeforeInsert → (re-validate) → storage.writeBatch → afterInsert. */
  ingest(base: RequestContext): Promise<IngestReply> {
    this.metrics.ingestRequests++;
    const refused = this.refuseWhenClosing();
    if (refused) {
      this.metrics.reject(refused.code);
      return Promise.reject(refused);
    }
    return this.inFlight.track(this.runIngest({ ...base }));
  }

  private async runIngest(ctx: IngestContext): Promise<IngestReply> {
    try {
      const refused = await this.hooks.beforeAuth.promise(ctx);
      if (refused) throw refused;
      const identity = await this.hooks.authenticate.promise(ctx);
      if (isCollectorError(identity)) throw identity;
      if (!identity) throw new CollectorError("forbidden", "No authentication strategy accepted this request.");
      ctx.identity = identity;

      const raw = await this.readBody(ctx.request, ctx.response);
      const checked = this.checkBatch(raw.body, { mayHoldUnsafeText: raw.mayHoldUnsafeText });
      if (!checked.ok) {
        throw new CollectorError("invalid_payload", "The batch envelope is unusable: it needs a session id and 1 to " + this.limits.maxEventsPerBatch + " events.", {
          details: checked.issues,
        });
      }
      const { payload, dropped, rejections, normalized, warnings } = await this.prepare(checked, ctx);
      this.countRejections(rejections, ctx);

      const batch = toWriteBatch(identity.projectId, payload, identity.userId);
      let result = { inserted: 0, duplicates: 0 };
      let buffered = 0;
      if (batch.events.length > 0) {
        // A buffer plugin may take the batch (durably held, written later by its consumer) instead of this write.
        const held = this.hooks.bufferBatch.isUsed() ? await this.hooks.bufferBatch.promise(batch, ctx) : undefined;
        if (isCollectorError(held)) throw held;
        if (held === true) buffered = batch.events.length;
        else result = await this.storageGuard.run("write", () => this.storage.writeBatch(batch));
      }
      this.metrics.eventsStored += result.inserted;
      this.metrics.eventsDuplicate += result.duplicates;
      this.metrics.eventsDropped += dropped;
      if (buffered === 0) {
        await this.hooks.afterInsert
          .promise({ projectId: identity.projectId, payload, result, dropped, rejections }, ctx)
          .catch((err: unknown) => this.logger.error("afterInsert tap failed", { requestId: ctx.requestId, error: String(err) }));
      }
      return {
        ok: true,
        requestId: ctx.requestId,
        projectId: identity.projectId,
        accepted: payload.events.length,
        stored: result.inserted,
        duplicates: result.duplicates,
        dropped,
        rejected: rejections.length,
        ...(rejections.length > 0 && { rejections: rejections.slice(0, REPLY_REJECTIONS) }),
        normalized,
        ...(warnings.length > 0 && { warnings }),
        ...(buffered > 0 && { buffered }),
      };
    } catch (err) {
      if (isCollectorError(err)) this.metrics.reject(err.code);
      throw err;
    }
  }

  /**
   * Privacy filtering and onBeforeInsert on a checked batch. What a tap returns is checked again event
   * by event: an event it broke costs that event (a tap bug, logged), an unusable batch it returns is
   * a 500; a tap that returns no events stores nothing.
   */
  private async prepare(
    checked: CheckedBatch,
    ctx: IngestContext,
  ): Promise<{ payload: IngestPayload; dropped: number; rejections: EventRejection[]; normalized: number; warnings: PayloadIssue[] }> {
    let { payload, dropped } = sanitizePayload(checked.payload);
    const rejections = [...checked.rejections];
    const warnings = [...checked.warnings];
    let normalized = checked.normalized;
    if (!this.hooks.onBeforeInsert.isUsed() || payload.events.length === 0) return { payload, dropped, rejections, normalized, warnings };

    const returned: unknown = await this.hooks.onBeforeInsert.promise(payload, ctx);
    if (returned !== null && typeof returned === "object" && Array.isArray((returned as { events?: unknown }).events) && (returned as { events: unknown[] }).events.length === 0) {
      return { payload: { ...payload, events: [] }, dropped, rejections, normalized, warnings };
    }
    const again = this.checkBatch(returned);
    if (!again.ok) {
      this.logger.error("onBeforeInsert returned an unusable batch (a bug in the tap)", { requestId: ctx.requestId, issues: again.issues });
      throw new CollectorError("internal_error", "An onBeforeInsert hook returned an invalid payload.");
    }
    if (again.rejections.length > 0) {
      const broken = again.rejections.map((r): EventRejection => ({ ...r, code: "hook_invalid_event" }));
      this.logger.error("onBeforeInsert returned invalid events (a bug in the tap); they were not stored", {
        requestId: ctx.requestId,
        rejections: broken.slice(0, REPLY_REJECTIONS),
      });
      rejections.push(...broken);
    }
    normalized += again.normalized;
    warnings.push(...again.warnings);
    const sanitized = sanitizePayload(again.payload);
    return { payload: sanitized.payload, dropped: dropped + sanitized.dropped, rejections, normalized, warnings };
  }

  private countRejections(rejections: readonly EventRejection[], ctx: IngestContext): void {
    for (const r of rejections) {
      this.metrics.rejectEvent(r.code);
      if (r.code === "invalid_event") this.logger.debug("event rejected", { requestId: ctx.requestId, ...r });
    }
  }

  /** The query pipeline: authorizeQuery → run → afterQuery. With no authorizeQuery tap, reads are open. */
  query(ctx: QueryContext, run: (ctx: QueryContext) => Promise<QueryResult>): Promise<QueryResult> {
    this.metrics.queries++;
    const refused = this.refuseWhenClosing();
    if (refused) return Promise.reject(refused);
    return this.inFlight.track(this.runQuery(ctx, run));
  }

  private async runQuery(ctx: QueryContext, run: (ctx: QueryContext) => Promise<QueryResult>): Promise<QueryResult> {
    if (this.hooks.authorizeQuery.isUsed()) {
      const principal = await this.hooks.authorizeQuery.promise(ctx);
      if (isCollectorError(principal)) throw principal;
      if (!principal) throw new CollectorError("forbidden", "No query authorization accepted this request.");
      ctx.principal = principal;
    } else {
      ctx.principal = { projects: "*", via: "open" };
    }
    return this.hooks.afterQuery.promise(await run(ctx), ctx);
  }

  /** Once close() began, new requests get 503 shutting_down (with Retry-After and `Connection: close`). */
  private refuseWhenClosing(): CollectorError | undefined {
    if (this.state !== "closing" && this.state !== "closed") return undefined;
    return new CollectorError("shutting_down", "This collector is shutting down. Retry; another instance may take it.", {
      headers: { "Retry-After": String(CLOSING_RETRY_AFTER_SEC), Connection: "close" },
    });
  }

  /** GET /readyz: started, not closing, and the storage answers a read within readyTimeoutMs. */
  async ready(): Promise<void> {
    const refused = this.refuseWhenClosing();
    if (refused) throw refused;
    await this.readiness.check();
  }

  /**
   * Stops taking requests (503 shutting_down), waits for those in flight and for storage calls still
   * running (at most drainTimeoutMs), runs `shutdown` taps, then closes the storage (pools, threads).
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = "closing";
    const drained = await this.inFlight.idle(this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
    if (!drained) this.logger.warn("close(): work still in flight after the drain timeout; closing anyway", { inFlight: this.inFlight.size });
    try {
      await this.hooks.shutdown.promise();
    } finally {
      try {
        await this.storageAdapter?.close();
      } finally {
        this.state = "closed";
      }
    }
  }
}
