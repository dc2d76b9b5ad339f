import { randomBytes } from "node:crypto";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { rollupFor, type RollupDelta, type SessionUpsert, type StoredEvent } from "@m-software-engineering/heat-collector-kernel";
import type { Dialect } from "./connect";
import { json } from "./rows";
import { Binds, chunks, pageHash, type Param } from "./sql";

const EVENT_COLS = "project_id, event_id, session_id, user_id, type, ts, path, page, page_hash, bucket, data";
/** An event's identity: (session, event id) within its project. */
const eventKey = (e: { sessionId: string; eventId: string }): string => `${e.sessionId}\u0000${e.eventId}`;
const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

function eventRow(e: StoredEvent): Param[] {
  return [e.projectId, e.eventId, e.sessionId, e.userId, e.type, e.ts, e.path, e.page, pageHash(e.page), e.bucket, JSON.stringify(e.data)];
}

/**
 * Inserts the events not stored yet and returns the keys (eventKey) this transaction inserted. PostgreSQL says
 * so itself (ON CONFLICT DO NOTHING RETURNING). MySQL has no RETURNING: rows are stamped with a
 * per-write tag and read back; a duplicate meets ON DUPLICATE KEY UPDATE seq = seq, which keeps the
 * first writer's row and tag (a concurrent identical batch waits on the row lock, then sees it).
 */
async function insertEvents(db: Sequelize, dialect: Dialect, t: Transaction, events: readonly StoredEvent[]): Promise<Set<string>> {
  const fresh = new Set<string>();
  if (dialect === "pg") {
    for (const part of chunks(events, 11)) {
      const b = new Binds();
      const values = part.map((e) => `(${b.list(eventRow(e))})`).join(", ");
      const rows = await db.query<{ event_id: string; session_id: string }>(
        `INSERT INTO events (${EVENT_COLS}) VALUES ${values} ON CONFLICT (project_id, session_id, event_id) DO NOTHING RETURNING event_id, session_id`,
        { bind: b.values, transaction: t, type: QueryTypes.SELECT },
      );
      for (const r of rows) fresh.add(eventKey({ sessionId: r.session_id, eventId: r.event_id }));
    }
    return fresh;
  }
  const tag = randomBytes(16).toString("hex");
  for (const part of chunks(events, 12)) {
    const b = new Binds();
    const values = part.map((e) => `(${b.list([...eventRow(e), tag])})`).join(", ");
    await db.query(`INSERT INTO events (${EVENT_COLS}, ingest_tag) VALUES ${values} ON DUPLICATE KEY UPDATE seq = seq`, {
      bind: b.values,
      transaction: t,
      type: QueryTypes.INSERT,
    });
    const r = new Binds();
    const rows = await db.query<{ event_id: string | Buffer; session_id: string | Buffer }>(
      `SELECT event_id, session_id FROM events WHERE project_id = ${r.add(part[0]!.projectId)} AND session_id IN (${r.list([...new Set(part.map((e) => e.sessionId))])}) AND event_id IN (${r.list(part.map((e) => e.eventId))}) AND ingest_tag = ${r.add(tag)}`,
      { bind: r.values, transaction: t, type: QueryTypes.SELECT },
    );
    for (const row of rows) fresh.add(eventKey({ sessionId: String(row.session_id), eventId: String(row.event_id) }));
  }
  return fresh;
}

const SESSION_COLS = "project_id, session_id, user_id, user_traits, started_at, last_seen_at, first_path, event_count, app, device";
/** Same merge as the SQLite adapter; on MySQL, first_path is assigned before started_at because
 * ON DUPLICATE KEY UPDATE assignments see the values set before them. */
const SESSION_MERGE: Record<Dialect, string> = {
  pg: `ON CONFLICT (project_id, session_id) DO UPDATE SET
    user_id = COALESCE(EXCLUDED.user_id, sessions.user_id),
    user_traits = COALESCE(EXCLUDED.user_traits, sessions.user_traits),
    first_path = CASE WHEN EXCLUDED.started_at < sessions.started_at THEN EXCLUDED.first_path ELSE sessions.first_path END,
    started_at = LEAST(sessions.started_at, EXCLUDED.started_at),
    last_seen_at = GREATEST(sessions.last_seen_at, EXCLUDED.last_seen_at),
    event_count = sessions.event_count + EXCLUDED.event_count,
    app = COALESCE(EXCLUDED.app, sessions.app),
    device = COALESCE(sessions.device, EXCLUDED.device)`,
  mysql: `ON DUPLICATE KEY UPDATE
    user_id = COALESCE(VALUES(user_id), user_id),
    user_traits = COALESCE(VALUES(user_traits), user_traits),
    first_path = IF(VALUES(started_at) < started_at, VALUES(first_path), first_path),
    started_at = LEAST(started_at, VALUES(started_at)),
    last_seen_at = GREATEST(last_seen_at, VALUES(last_seen_at)),
    event_count = event_count + VALUES(event_count),
    app = COALESCE(VALUES(app), app),
    device = COALESCE(device, VALUES(device))`,
};

async function upsertSessions(db: Sequelize, dialect: Dialect, t: Transaction, sessions: readonly SessionUpsert[], fresh: Map<string, number>) {
  for (const part of chunks(sessions, 10)) {
    const b = new Binds();
    const values = part
      .map((s) => `(${b.list([s.projectId, s.sessionId, s.userId, json(s.userTraits), s.startedAt, s.lastSeenAt, s.firstPath, fresh.get(s.sessionId) ?? 0, json(s.app), json(s.device)])})`)
      .join(", ");
    await db.query(`INSERT INTO sessions (${SESSION_COLS}) VALUES ${values} ${SESSION_MERGE[dialect]}`, { bind: b.values, transaction: t, type: QueryTypes.INSERT });
  }
}

const ROLLUP_COLS = "project_id, page_hash, page, bucket, type, span, t, gx, gy, n";
const ROLLUP_MERGE: Record<Dialect, string> = {
  pg: "ON CONFLICT (project_id, page_hash, bucket, type, span, t, gx, gy) DO UPDATE SET n = heat_rollup.n + EXCLUDED.n",
  mysql: "ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
};
const deltaRow = (d: RollupDelta): Param[] => [d.projectId, pageHash(d.page), d.page, d.bucket, d.type, d.span, d.t, d.gx, d.gy, d.n];

/** Appends deltas to heat_rollup_pending: plain inserts, so concurrent batches never wait on each other. */
async function addPending(db: Sequelize, t: Transaction, deltas: readonly RollupDelta[]) {
  for (const part of chunks(deltas, 10)) {
    const b = new Binds();
    const values = part.map((d) => `(${b.list(deltaRow(d))})`).join(", ");
    await db.query(`INSERT INTO heat_rollup_pending (${ROLLUP_COLS}) VALUES ${values}`, { bind: b.values, transaction: t, type: QueryTypes.INSERT });
  }
}

/** Adds deltas (unique keys) into heat_rollup, in one key order so that concurrent folds cannot deadlock. */
export async function upsertRollup(db: Sequelize, dialect: Dialect, t: Transaction, deltas: readonly RollupDelta[]) {
  const sorted = [...deltas].sort(
    byKey((d) => `${d.projectId}\u0000${pageHash(d.page)}\u0000${d.bucket}\u0000${d.type}\u0000${d.span}\u0000${String(d.t).padStart(16, "0")}\u0000${d.gx}\u0000${d.gy}`),
  );
  for (const part of chunks(sorted, 10)) {
    const b = new Binds();
    const values = part.map((d) => `(${b.list(deltaRow(d))})`).join(", ");
    await db.query(`INSERT INTO heat_rollup (${ROLLUP_COLS}) VALUES ${values} ${ROLLUP_MERGE[dialect]}`, { bind: b.values, transaction: t, type: QueryTypes.INSERT });
  }
}

/** One ingest batch, inside the caller's transaction: events, sessions, and the new events'
 * rollup deltas (pending until folded; reads count them either way). */
export async function writeInTransaction(
  db: Sequelize,
  dialect: Dialect,
  t: Transaction,
  batch: { sessions: readonly SessionUpsert[]; events: readonly StoredEvent[] },
): Promise<{ inserted: number; duplicates: number }> {
  const ordered = [...batch.events].sort(byKey(eventKey));
  const freshKeys = ordered.length > 0 ? await insertEvents(db, dialect, t, ordered) : new Set<string>();
  // The first occurrence of each new key is the stored one (as on SQLite).
  const newEvents: StoredEvent[] = [];
  const seen = new Set<string>();
  for (const e of batch.events) {
    const key = eventKey(e);
    if (!freshKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    newEvents.push(e);
  }
  const perSession = new Map<string, number>();
  for (const e of newEvents) perSession.set(e.sessionId, (perSession.get(e.sessionId) ?? 0) + 1);
  await upsertSessions(db, dialect, t, [...batch.sessions].sort(byKey((s) => s.sessionId)), perSession);
  await addPending(db, t, rollupFor(newEvents));
  return { inserted: newEvents.length, duplicates: batch.events.length - newEvents.length };
}
