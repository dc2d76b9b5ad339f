import type { Router } from "express";
import { CollectorError, isCollectorError } from "./errors";
import { createHooks, type KernelHooks } from "./hooks";
import type { CollectorPlugin } from "./plugin";
import type { StorageAdapter } from "./storage/adapter";
import type { IngestContext, QueryContext, QueryResult, RequestContext } from "./context";
import { createLogger, type Logger, type LogLevel } from "./logger";
import { Metrics } from "./metrics";
import { ProjectRegistry } from "./projects";
import { createPayloadValidator, DEFAULT_PAYLOAD_LIMITS, type PayloadLimits } from "./ingest/schema";
import { sanitizePayload } from "./ingest/privacy";
import { toWriteBatch } from "./ingest/to-records";
import { createJsonBodyReader } from "./http/body";
import { renderRouter } from "./http/router";
import { Queries } from "./query/queries";

export interface KernelOptions {
  logger?: Logger;
  logLevel?: LogLevel;
  /** Run `storage.migrate()` in start(). Default true. */
  autoMigrate?: boolean;
  /** Largest accepted ingest body, with or without Content-Length. Default 1 MB. */
  maxBodyBytes?: number;
  limits?: Partial<PayloadLimits>;
}

/** The reply to an accepted POST /ingest. */
export interface IngestReply {
  ok: true;
  requestId: string;
  projectId: string;
  /** Events in the batch after validation, privacy filtering and onBeforeInsert. */
  accepted: number;
  /** Events stored by this request. */
  stored: number;
  /** Events recognised as already stored (a retry), not stored again. */
  duplicates: number;
  /** Input events refused because `masked` held something other than `*`. */
  dropped: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

/**
 * The collector kernel: owns the hooks, the one storage adapter and the ingest and query pipelines,
 * and renders them as an Express router. It imports no concrete plugin.
 */
export class Kernel {
  readonly hooks: KernelHooks = createHooks();
  readonly logger: Logger;
  readonly metrics = new Metrics();
  readonly projects: ProjectRegistry;
  readonly queries: Queries;
  readonly limits: PayloadLimits;
  readonly maxBodyBytes: number;

  private storageAdapter: StorageAdapter | undefined;
  private readonly pluginNames = new Set<string>();
  private readonly validate: ReturnType<typeof createPayloadValidator>;
  private readonly readBody: ReturnType<typeof createJsonBodyReader>;
  private renderedRouter: Router | undefined;
  private state: "new" | "started" | "closed" = "new";

  constructor(private readonly options: KernelOptions = {}) {
    this.logger = options.logger ?? createLogger(options.logLevel);
    this.limits = { ...DEFAULT_PAYLOAD_LIMITS, ...options.limits };
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.validate = createPayloadValidator(this.limits);
    this.readBody = createJsonBodyReader(this.maxBodyBytes);
    this.projects = new ProjectRegistry(() => this.storage);
    this.queries = new Queries(() => this.storage, this.metrics);
  }

  /** Applies a plugin. Names are unique: the same plugin cannot be applied twice. */
  use(plugin: CollectorPlugin): this {
    if (this.state !== "new") throw new Error(`plugin "${plugin.name}" applied after start()`);
    if (this.pluginNames.has(plugin.name)) throw new Error(`plugin "${plugin.name}" is already applied`);
    this.pluginNames.add(plugin.name);
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
  async ingest(base: RequestContext): Promise<IngestReply> {
    const ctx: IngestContext = { ...base };
    this.metrics.ingestRequests++;
    try {
      const refused = await this.hooks.beforeAuth.promise(ctx);
      if (refused) throw refused;
      const identity = await this.hooks.authenticate.promise(ctx);
      if (isCollectorError(identity)) throw identity;
      if (!identity) throw new CollectorError("forbidden", "No authentication strategy accepted this request.");
      ctx.identity = identity;

      const raw = await this.readBody(ctx.request, ctx.response);
      const checked = this.validate(raw.body, { mayHoldUnsafeText: raw.mayHoldUnsafeText });
      if (!checked.ok) throw new CollectorError("invalid_payload", "The batch does not match the ingest schema.", { details: checked.issues });
      let { payload, dropped } = sanitizePayload(checked.payload);
      if (this.hooks.onBeforeInsert.isUsed()) {
        const transformed = this.validate(await this.hooks.onBeforeInsert.promise(payload, ctx));
        if (!transformed.ok) {
          this.logger.error("onBeforeInsert returned an invalid payload", { requestId: ctx.requestId, issues: transformed.issues });
          throw new CollectorError("internal_error", "An onBeforeInsert hook returned an invalid payload.");
        }
        const again = sanitizePayload(transformed.payload);
        payload = again.payload;
        dropped += again.dropped;
      }

      const batch = toWriteBatch(identity.projectId, payload, identity.userId);
      let result;
      try {
        result = await this.storage.writeBatch(batch);
      } catch (err) {
        this.logger.error("writeBatch failed", { requestId: ctx.requestId, error: err instanceof Error ? err.stack : String(err) });
        throw new CollectorError("storage_unavailable", "The batch could not be stored; nothing was kept. Retry later.");
      }
      this.metrics.eventsStored += result.inserted;
      this.metrics.eventsDuplicate += result.duplicates;
      this.metrics.eventsDropped += dropped;
      await this.hooks.afterInsert
        .promise({ projectId: identity.projectId, payload, result, dropped }, ctx)
        .catch((err: unknown) => this.logger.error("afterInsert tap failed", { requestId: ctx.requestId, error: String(err) }));
      return {
        ok: true,
        requestId: ctx.requestId,
        projectId: identity.projectId,
        accepted: payload.events.length,
        stored: result.inserted,
        duplicates: result.duplicates,
        dropped,
      };
    } catch (err) {
      if (isCollectorError(err)) this.metrics.reject(err.code);
      throw err;
    }
  }

  /** The query pipeline: authorizeQuery → run → afterQuery. With no authorizeQuery tap, reads are open. */
  async query(ctx: QueryContext, run: (ctx: QueryContext) => Promise<QueryResult>): Promise<QueryResult> {
    this.metrics.queries++;
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

  /** Runs `shutdown` taps, then closes the storage. Idempotent. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    try {
      await this.hooks.shutdown.promise();
    } finally {
      await this.storageAdapter?.close();
    }
  }
}
