import type { EventType, JsonObject, ProjectRecord, SecretKind, SecretRecord, SessionRecord, StoredEvent } from "@m-software-engineering/heat-collector-kernel";

/** Column mapping between the SQLite tables and the kernel's records, shared by reader and writer. */
export type Row = Record<string, unknown>;
export type Param = string | number | null;


export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
export const parse = <T>(v: unknown): T | null => (typeof v === "string" ? (JSON.parse(v) as T) : null);

export function toEvent(r: Row): StoredEvent {
  return {
    projectId: r.project_id as string,
    eventId: r.event_id as string,
    sessionId: r.session_id as string,
    userId: (r.user_id as string | null) ?? null,
    type: r.type as EventType,
    ts: r.ts as number,
    path: r.path as string,
    page: r.page as string,
    bucket: r.bucket as string,
    data: parse<JsonObject>(r.data) ?? {},
  };
}

export function toSession(r: Row): SessionRecord {
  return {
    projectId: r.project_id as string,
    sessionId: r.session_id as string,
    userId: (r.user_id as string | null) ?? null,
    userTraits: parse<JsonObject>(r.user_traits),
    startedAt: r.started_at as number,
    lastSeenAt: r.last_seen_at as number,
    firstPath: r.first_path as string,
    eventCount: r.event_count as number,
    app: parse<JsonObject>(r.app),
    device: parse<JsonObject>(r.device),
  };
}

export function toProject(r: Row): ProjectRecord {
  return { id: r.id as string, name: r.name as string, allowedOrigins: parse<string[]>(r.allowed_origins) ?? [], createdAt: r.created_at as number };
}

export function toSecret(r: Row): SecretRecord {
  return {
    hash: r.hash as string,
    projectId: r.project_id as string,
    kind: r.kind as SecretKind,
    createdAt: r.created_at as number,
    revokedAt: (r.revoked_at as number | null) ?? null,
  };
}

