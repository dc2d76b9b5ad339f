import type { CollectorPlugin, IngestPayload, LogLevel, ProjectDefinition, RageClickRule, StorageAdapter } from "@m-software-engineering/heat-collector-kernel";
import type { JwtOptions } from "@m-software-engineering/heat-collector-auth-jwt";
import type { QueryAuthOptions } from "@m-software-engineering/heat-collector-query-auth";
import type { RetentionOptions } from "@m-software-engineering/heat-collector-retention";
import type { RateLimitOptions } from "@m-software-engineering/heat-collector-rate-limit";

export type DbConfig = { dialect: "pg" | "mysql" | "sqlite"; connectionString?: string; file?: string };

type JwtAuthConfig = Pick<JwtOptions, "jwksUrl" | "issuer" | "audience"> &
  Partial<Omit<JwtOptions, "jwksUrl" | "issuer" | "audience">> & {
    /** Claim naming the project a token may send for. Default "projectId". */
    projectClaim?: string;
  };

export type AuthConfig =
  | { mode: "projectKey"; autoCreateProjects?: boolean }
  | ({ mode: "jwt" } & JwtAuthConfig)
  | ({ mode: "both"; autoCreateProjects?: boolean } & JwtAuthConfig);

export type OnBeforeInsert = (payload: IngestPayload) => IngestPayload | undefined | void | Promise<IngestPayload | undefined | void>;

interface CommonConfig {
  auth: AuthConfig;
  /** Create or upgrade the schema at start. Default true. */
  autoMigrate?: boolean;
  ingestion?: {
    /** Largest accepted body in bytes. Default 1 000 000. */
    maxBodyBytes?: number;
    /** Most events in one batch. Default 500 (the SDK sends at most 50). */
    maxEventsPerBatch?: number;
    /**
     * Per project key and client IP. Default { windowMs: 10000, max: 120 } counted in this process;
     * `redis` (a URL or an ioredis client) shares the count among processes; false turns it off.
     */
    rateLimit?: RateLimitOptions | false;
  };
  hooks?: { onBeforeInsert?: OnBeforeInsert };
  logging?: { level: LogLevel };
  /** Extra plugins, applied after the default ones. */
  plugins?: CollectorPlugin[];
  /** Projects to register at start (idempotent; keys and tokens are stored hashed). */
  projects?: ProjectDefinition[];
  /**
   * Who may read the query APIs. Default: a project's read tokens (and, when `auth` has a JWKS, JWTs
   * whose `heat_projects` claim lists the projects). `false` opens reads to anyone (logs a warning).
   */
  queryAuth?: QueryAuthOptions | false;
  /**
   * How the adapter built from `db` tells rage clicks apart: `minClicks` (3) within `radiusPx` (30)
   * of the first and `windowMs` (1000) after it. An adapter passed as `storage` takes its own.
   */
  analytics?: { rageClicks?: Partial<RageClickRule> };
  /** Delete events older than `days` (at start, then hourly). Default: keep everything. */
  retention?: RetentionOptions;
  /** Bounds on waiting, for outages and shutdown (see README "Running in production"). */
  timeouts?: {
    /** One storage call on the request path; past it the answer is 503 storage_unavailable. Default 10 000 ms. */
    storageMs?: number;
    /** The storage read of GET /readyz. Default 2 000 ms. */
    readyMs?: number;
    /** close() waiting for requests in flight before closing the storage anyway. Default 15 000 ms. */
    drainMs?: number;
  };
}

/** The seed README's CollectorConfig, plus plugins, projects and a storage adapter instance. */
export type CollectorConfig = CommonConfig &
  (
    | { db: DbConfig; storage?: undefined }
    /** An adapter instance replaces `db`: this is how storage packages are swapped. */
    | { storage: StorageAdapter; db?: undefined }
  );
