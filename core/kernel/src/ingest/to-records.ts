import type { IngestEvent, IngestPayload, JsonObject } from "../events";
import type { SessionUpsert, StoredEvent, WriteBatch } from "../storage/records";

const BUCKET_RE = /^\d{1,6}x\d{1,6}$/;
const COLUMN_KEYS = new Set(["eventId", "sessionId", "ts", "path", "type"]);

/** The pathname part of an SDK path ("/a?b#c" → "/a"): what filters and heatmaps group by. */
export function pageOf(path: string): string {
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

/** "1300x700": the SDK's own bucket when well formed, else the viewport rounded to 100 px. */
export function bucketOf(e: IngestEvent): string {
  const declared = e.meta?.viewportBucket;
  if (typeof declared === "string" && BUCKET_RE.test(declared)) return declared;
  return `${Math.round(e.viewport.w / 100) * 100}x${Math.round(e.viewport.h / 100) * 100}`;
}

/** The event's fields other than its columns, copied key by key (this runs on every stored event). */
function dataOf(e: IngestEvent): JsonObject {
  const out: Record<string, unknown> = {};
  for (const k in e) {
    if (!Object.prototype.hasOwnProperty.call(e, k) || COLUMN_KEYS.has(k)) continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    // Defined, not assigned: a "__proto__" key stays data instead of setting the prototype.
    if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as JsonObject;
}

/**
 * Turns a validated, sanitized payload into storage records. `userId` is the authenticated user
 * (a JWT `sub`) when there is one, else the SDK's `user.id`.
 */
export function toWriteBatch(projectId: string, payload: IngestPayload, authenticatedUserId: string | null): WriteBatch {
  const userId = authenticatedUserId ?? payload.user?.id ?? null;
  const events: StoredEvent[] = payload.events.map((e) => ({
    projectId,
    eventId: e.eventId,
    sessionId: e.sessionId,
    userId,
    type: e.type,
    ts: e.ts,
    path: e.path,
    page: pageOf(e.path),
    bucket: bucketOf(e),
    data: dataOf(e),
  }));

  // A batch restored from the SDK's queue can hold events of an earlier session: upsert each one.
  const sessions = new Map<string, SessionUpsert>();
  for (const e of payload.events) {
    const s = sessions.get(e.sessionId);
    if (!s) {
      sessions.set(e.sessionId, {
        projectId,
        sessionId: e.sessionId,
        userId,
        userTraits: payload.user?.traits ?? null,
        startedAt: e.ts,
        lastSeenAt: e.ts,
        firstPath: e.path,
        app: payload.app ? { ...payload.app } : null,
        device: { ...e.device },
      });
      continue;
    }
    if (e.ts < s.startedAt) {
      s.startedAt = e.ts;
      s.firstPath = e.path;
    }
    if (e.ts > s.lastSeenAt) s.lastSeenAt = e.ts;
  }
  const declared = sessions.get(payload.session.id);
  if (declared) {
    if (payload.session.startedAt !== undefined && payload.session.startedAt < declared.startedAt) {
      declared.startedAt = payload.session.startedAt;
    }
    if (payload.session.lastSeenAt !== undefined && payload.session.lastSeenAt > declared.lastSeenAt) {
      declared.lastSeenAt = payload.session.lastSeenAt;
    }
  }
  return { projectId, sessions: [...sessions.values()], events };
}
