import type { Router } from "express";
import { Kernel, type CollectorPlugin, type ProjectRegistry } from "@m-software-engineering/heat-collector-kernel";
import { projectKeyAuth } from "@m-software-engineering/heat-collector-auth-project-key";
import { jwtAuth } from "@m-software-engineering/heat-collector-auth-jwt";
import { keyAndJwtAuth } from "@m-software-engineering/heat-collector-auth-both";
import { rateLimit } from "@m-software-engineering/heat-collector-rate-limit";
import { cors } from "@m-software-engineering/heat-collector-cors";
import { openQueries, queryAuth, type QueryAuthOptions } from "@m-software-engineering/heat-collector-query-auth";
import { retention } from "@m-software-engineering/heat-collector-retention";
import type { AuthConfig, CollectorConfig } from "./config";
import { storageFromDb } from "./storage-from-db";

export const DEFAULT_RATE_LIMIT = { windowMs: 10_000, max: 120 };

export interface Collector {
  /** Mount with app.use(collector.router). */
  router: Router;
  kernel: Kernel;
  /** Register projects, issue and revoke keys and read tokens. */
  projects: ProjectRegistry;
  /**
   * Graceful shutdown: new requests get 503 shutting_down (Retry-After, Connection: close), requests in
   * flight finish (at most `timeouts.drainMs`), then timers stop and the database pools and threads close.
   * Idempotent. Close your HTTP server too (server.close()); see README "Running in production".
   */
  close(): Promise<void>;
}

function authPlugin(auth: AuthConfig): CollectorPlugin {
  switch (auth.mode) {
    case "projectKey":
      return projectKeyAuth({ ...(auth.autoCreateProjects !== undefined && { autoCreateProjects: auth.autoCreateProjects }) });
    case "jwt": {
      const { mode: _mode, ...options } = auth;
      return jwtAuth(options);
    }
    case "both": {
      const { mode: _mode, ...options } = auth;
      return keyAndJwtAuth(options);
    }
  }
}

/** Read tokens always; JWT reads too when ingest auth has a JWKS (same issuer and audience). */
function queryAuthPlugin(config: CollectorConfig): CollectorPlugin {
  if (config.queryAuth === false) return openQueries();
  const options: QueryAuthOptions = { ...config.queryAuth };
  if (!options.jwt && config.auth.mode !== "projectKey") {
    const { mode: _mode, projectClaim: _claim, ...jwt } = config.auth;
    options.jwt = jwt;
  }
  return queryAuth(options);
}

/** The default plugins for a config, in the order they are applied. */
export function defaultPlugins(config: CollectorConfig): CollectorPlugin[] {
  const plugins: CollectorPlugin[] = [];
  const storage = config.storage ?? storageFromDb(config.db, { ...(config.analytics?.rageClicks && { rageClicks: config.analytics.rageClicks }) });
  plugins.push({ name: `storage:${storage.name}`, apply: (kernel) => kernel.registerStorage(storage) });
  // Browser ingest: preflight answers and each project's allowedOrigins, checked before the rate limit.
  plugins.push(cors());
  const limit = config.ingestion?.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (limit !== false) plugins.push(rateLimit(limit));
  plugins.push(authPlugin(config.auth));
  plugins.push(queryAuthPlugin(config));
  if (config.retention) plugins.push(retention(config.retention));
  const onBeforeInsert = config.hooks?.onBeforeInsert;
  if (onBeforeInsert) {
    plugins.push({
      name: "config:onBeforeInsert",
      apply: (kernel) => kernel.hooks.onBeforeInsert.tapPromise("config:onBeforeInsert", async (payload) => (await onBeforeInsert(payload)) ?? payload),
    });
  }
  const projects = config.projects ?? [];
  if (projects.length > 0) {
    plugins.push({
      name: "config:projects",
      apply: (kernel) =>
        kernel.hooks.startup.tapPromise("config:projects", async () => {
          for (const p of projects) await kernel.projects.register(p);
        }),
    });
  }
  return plugins;
}

/** A preset: builds a kernel, applies the default plugins for `config` plus `config.plugins`, starts it. */
export async function createCollector(config: CollectorConfig): Promise<Collector> {
  const kernel = new Kernel({
    logLevel: config.logging?.level ?? "info",
    autoMigrate: config.autoMigrate ?? true,
    ...(config.ingestion?.maxBodyBytes !== undefined && { maxBodyBytes: config.ingestion.maxBodyBytes }),
    ...(config.ingestion?.maxEventsPerBatch !== undefined && { limits: { maxEventsPerBatch: config.ingestion.maxEventsPerBatch } }),
    ...(config.timeouts?.storageMs !== undefined && { storageTimeoutMs: config.timeouts.storageMs }),
    ...(config.timeouts?.readyMs !== undefined && { readyTimeoutMs: config.timeouts.readyMs }),
    ...(config.timeouts?.drainMs !== undefined && { drainTimeoutMs: config.timeouts.drainMs }),
  });
  try {
    for (const plugin of [...defaultPlugins(config), ...(config.plugins ?? [])]) kernel.use(plugin);
    await kernel.start();
  } catch (err) {
    await kernel.close().catch(() => undefined);
    throw err;
  }
  return { router: kernel.router, kernel, projects: kernel.projects, close: () => kernel.close() };
}
