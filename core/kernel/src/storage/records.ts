import type { EventType, JsonObject } from "../events";

/** An event as the kernel hands it to storage: indexed columns plus a JSON `data` document. */
export interface StoredEvent {
  projectId: string;
  eventId: string;
  sessionId: string;
  userId: string | null;
  type: EventType;
  ts: number;
  /** Full path as the SDK sent it (pathname + search + hash). */
  path: string;
  /** Pathname only: what `path` filters and heatmaps group by. */
  page: string;
  /** Viewport bucket such as "1300x700", from `meta.viewportBucket` or derived from the viewport. */
  bucket: string;
  /** Everything else the SDK sent for this event (type-specific fields, viewport, device, meta). */
  data: JsonObject;
}

/** What one ingest batch changes about one session. */
export interface SessionUpsert {
  projectId: string;
  sessionId: string;
  userId: string | null;
  userTraits: JsonObject | null;
  startedAt: number;
  lastSeenAt: number;
  firstPath: string;
  app: JsonObject | null;
  device: JsonObject | null;
}

export interface WriteBatch {
  projectId: string;
  sessions: SessionUpsert[];
  events: StoredEvent[];
}

export interface WriteResult {
  /** Events stored by this call. */
  inserted: number;
  /** Events already stored (same project, session and eventId): a retry, recognised and skipped. */
  duplicates: number;
}

/** Rollup time spans: "h" counts per UTC hour, "d" per UTC day, "m" per UTC calendar month. Every
 * sample is counted in each. */
export type RollupSpan = "h" | "d" | "m";

/**
 * One heat-rollup increment. The rollup is keyed by (project, page, bucket, type, span, t, gx, gy),
 * t being the period's index (see periodIndex): for click and move, (gx, gy) is the 8 px grid cell of the sample;
 * for scroll, gx = 0 and gy is the depth in whole percent; other types have gx = gy = 0 (they only
 * count).
 */
export interface RollupDelta {
  projectId: string;
  page: string;
  bucket: string;
  type: EventType;
  span: RollupSpan;
  t: number;
  gx: number;
  gy: number;
  n: number;
}

export interface SessionRecord {
  projectId: string;
  sessionId: string;
  userId: string | null;
  userTraits: JsonObject | null;
  startedAt: number;
  lastSeenAt: number;
  firstPath: string;
  eventCount: number;
  app: JsonObject | null;
  device: JsonObject | null;
}

export interface ProjectRecord {
  id: string;
  name: string;
  allowedOrigins: string[];
  createdAt: number;
}

export type SecretKind = "ingest" | "read";

export interface SecretRecord {
  hash: string;
  projectId: string;
  kind: SecretKind;
  createdAt: number;
  revokedAt: number | null;
}
