// @ts-check
/**
 * The rows the published 0.3.7 collector's ingest writes for one SDK body (read from its
 * insertEvents / upsertSession): one events row per move point and one per other event, each with
 * its own random id, and one sessions row per session. The seeders bulk-load these, so a seeded
 * baseline store holds what its own ingest would have stored.
 */
import { createHash, randomUUID } from "node:crypto";

export const BASELINE_EVENT_COLUMNS = "id, project_id, session_id, user_id, type, ts, path, selector, x, y, scroll_depth, meta_json";
export const BASELINE_SESSION_COLUMNS = "id, project_id, user_id, started_at, last_seen_at, first_path, user_agent, device_json, ip_hash";

/** Its ip_hash of the bench's client address (sha256, first 32 hex digits). */
const IP_HASH = createHash("sha256").update("127.0.0.1").digest("hex").slice(0, 32);

/**
 * Events rows in BASELINE_EVENT_COLUMNS order, each with the index of its SDK event in the body.
 * @param {{ session: { id: string }, events: Array<Record<string, any>> }} body
 * @param {string} projectId
 * @returns {Generator<{ k: number, row: unknown[] }>}
 */
export function* baselineEventRows(body, projectId) {
  for (const [k, e] of body.events.entries()) {
    if (e.type === "input" && e.masked && /[^*]/.test(e.masked)) continue; // it drops unmasked input
    const meta = JSON.stringify({ viewport: e.viewport, device: e.device, meta: e.meta });
    const sel = e.selector ?? null;
    if (e.type === "move" && Array.isArray(e.points)) {
      for (const p of e.points) yield { k, row: [randomUUID(), projectId, body.session.id, null, e.type, e.ts + p.tsOffset, e.path, sel, Math.round(p.x), Math.round(p.y), null, meta] };
      continue;
    }
    const isClick = e.type === "click";
    const depth = e.type === "scroll" ? Math.round(e.scrollDepthPct) : null;
    yield { k, row: [randomUUID(), projectId, body.session.id, null, e.type, e.ts, e.path, sel, isClick ? Math.round(e.x) : null, isClick ? Math.round(e.y) : null, depth, meta] };
  }
}

/**
 * The sessions row its first batch of a session inserts, in BASELINE_SESSION_COLUMNS order (a later
 * batch only moves last_seen_at).
 * @param {{ session: { id: string, startedAt: number, lastSeenAt: number }, events: Array<Record<string, any>> }} body
 * @param {string} projectId
 */
export function baselineSessionRow(body, projectId) {
  const first = body.events[0];
  return [body.session.id, projectId, null, body.session.startedAt, body.session.lastSeenAt, first?.path ?? "", first?.device?.ua ?? null, first?.device ? JSON.stringify(first.device) : null, IP_HASH];
}
