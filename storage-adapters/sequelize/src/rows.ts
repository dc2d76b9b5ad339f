import type { EventType, JsonObject, ProjectRecord, SecretKind, SecretRecord, SessionRecord, StoredEvent } from "@m-software-engineering/heat-collector-kernel";

import { clickRow, type ClickRow } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";

export type Row = Record<string, unknown>;

/** BIGINT comes back as a string from pg (and DECIMAL sums from mysql2): numbers again. */
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
/** Text columns: MySQL answers binary-collated text as Buffers. */
export const str = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v));
const parse = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (JSON.parse(str(v)) as T));
export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function toEvent(r: Row): StoredEvent {
  return {
    projectId: str(r.project_id),
    eventId: str(r.event_id),
    sessionId: str(r.session_id),
    userId: strOrNull(r.user_id),
    type: str(r.type) as EventType,
    ts: num(r.ts),
    path: str(r.path),
    page: str(r.page),
    bucket: str(r.bucket),
    data: parse<JsonObject>(r.data) ?? {},
  };
}

export function toSession(r: Row): SessionRecord {
  return {
    projectId: str(r.project_id),
    sessionId: str(r.session_id),
    userId: strOrNull(r.user_id),
    userTraits: parse<JsonObject>(r.user_traits),
    startedAt: num(r.started_at),
    lastSeenAt: num(r.last_seen_at),
    firstPath: str(r.first_path),
    eventCount: num(r.event_count),
    app: parse<JsonObject>(r.app),
    device: parse<JsonObject>(r.device),
  };
}

export function toProject(r: Row): ProjectRecord {
  return { id: str(r.id), name: str(r.name), allowedOrigins: parse<string[]>(r.allowed_origins) ?? [], createdAt: num(r.created_at) };
}

export function toSecret(r: Row): SecretRecord {
  return {
    hash: str(r.hash),
    projectId: str(r.project_id),
    kind: str(r.kind) as SecretKind,
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

/** A stored click event's row (project_id, session_id, event_id, ts, page, bucket, data) as the rage-click rule reads it; null if it has no position. */
export function toClickRow(r: Row): ClickRow | null {
  return clickRow({
    projectId: str(r.project_id),
    sessionId: str(r.session_id),
    eventId: str(r.event_id),
    ts: num(r.ts),
    page: str(r.page),
    bucket: str(r.bucket),
    data: JSON.parse(str(r.data)) as Record<string, unknown>,
  });
}
