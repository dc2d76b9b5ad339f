import type { ProjectDefinition } from "@m-software-engineering/heat-collector";
import type { RateLimitOptions } from "@m-software-engineering/heat-collector-rate-limit";
import type { JetStreamBufferOptions } from "@m-software-engineering/heat-collector-jetstream";

/** What a forked collector process is started with (as JSON, so a Redis limit is given by URL). */
export interface InstanceConfig {
  dialect: "pg" | "mysql";
  connectionString: string;
  rateLimit: (RateLimitOptions & { redis?: string }) | false;
  projects: ProjectDefinition[];
  /** The JetStream ingest buffer (test/src/faults), and the storage timeout its writers use. */
  jetstream?: JetStreamBufferOptions;
  storageTimeoutMs?: number;
}

/** What a forked collector process reports over IPC. */
export type InstanceMessage = { type: "listening"; port: number } | { type: "failed"; error: string };
