import { randomBytes } from "node:crypto";
import type { StoredEvent, WriteBatch, WriteResult } from "@m-software-engineering/heat-collector-kernel";
import type { Dialect } from "./connect";
import { SequelizeStorageError } from "./errors";
import { eventKey, settleGroup, uniqueEvents, type SessionDelta } from "./group-plan";
import { inTransaction, isConnectionError, isRetryable, type RawConnection } from "./raw-connection";
import { packBuffers, packTexts, unnestColumns } from "./pg-binds";
import { json, str } from "./rows";
import { pageHash } from "./sql";

/** How the server tells which event rows a statement inserted. */
export type InsertedRows = "returning" | "tag-returning" | "tag-read-back";

const EVENT_COLS = "project_id, event_id, session_id, user_id, type, ts, path, page, page_hash, bucket, data";
const SESSION_COLS = "project_id, session_id, user_id, user_traits, started_at, last_seen_at, first_path, event_count, app, device";

const eventRow = (e: StoredEvent): unknown[] => [e.projectId, e.eventId, e.sessionId, e.userId, e.type, e.ts, e.path, e.page, pageHash(e.page), e.bucket, JSON.stringify(e.data)];

const sessionRow = (s: SessionDelta): unknown[] => [s.projectId, s.sessionId, s.userId, json(s.userTraits), s.startedAt, s.lastSeenAt, s.firstPath, s.newEvents, json(s.app), json(s.device)];

/** Splits MySQL multi-row statements so none nears max_allowed_packet (16 MB by default). */
function packets<T>(rows: readonly T[], bytes: (row: T) => number, limit = 4 << 20): T[][] {
  const out: T[][] = [];
  let part: T[] = [];
  let size = 0;
  for (const row of rows) {
    const b = bytes(row);
    if (part.length > 0 && size + b > limit) {
      out.push(part);
      part = [];
      size = 0;
    }
    part.push(row);
    size += b;
  }
  if (part.length > 0) out.push(part);
  return out;
}
const rowBytes = (row: readonly unknown[]): number => row.reduce<number>((n, v) => n + (typeof v === "string" ? v.length * 3 : Buffer.isBuffer(v) ? v.length * 2 : 24), 16);

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

const rowKey = (r: Record<string, unknown>): string => eventKey({ projectId: str(r.project_id), sessionId: str(r.session_id), eventId: str(r.event_id) });

/** Inserts the group's unique events; returns the keys this statement inserted. */
async function insertEvents(c: RawConnection, dialect: Dialect, how: InsertedRows, events: readonly StoredEvent[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  if (events.length === 0) return inserted;
  const rows = events.map(eventRow);
  if (dialect === "pg") {
    const cols = unnestColumns(rows, 11);
    const data = packTexts(cols[10] as string[]);
    const returned = await c.query(
      `INSERT INTO events (${EVENT_COLS})
       SELECT p, e, s, u, t, ts, pa, pg, ph, b, convert_from(substring($11::bytea FROM o FOR l), 'UTF8')
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $12::int[], $13::int[])
         AS r(p, e, s, u, t, ts, pa, pg, ph, b, o, l)
       ON CONFLICT (project_id, session_id, event_id) DO NOTHING RETURNING project_id, session_id, event_id`,
      [...cols.slice(0, 10), data.blob, data.offsets, data.lengths],
    );
    for (const r of returned) inserted.add(rowKey(r));
    return inserted;
  }
  // A duplicate meets ON DUPLICATE KEY UPDATE seq = seq, which keeps the first writer's row and
  // tag (a concurrent group holding that key makes this one wait for its commit, then see it).
  const tag = randomBytes(16).toString("hex");
  for (const part of packets(rows, rowBytes)) {
    const values = part.map((r) => [...r, tag]);
    const sql = `INSERT INTO events (${EVENT_COLS}, ingest_tag) VALUES ? ON DUPLICATE KEY UPDATE seq = seq`;
    if (how === "tag-returning") {
      for (const r of await c.query(`${sql} RETURNING project_id, session_id, event_id, ingest_tag`, [values])) if (str(r.ingest_tag) === tag) inserted.add(rowKey(r));
    } else {
      await c.run(sql, [values]);
      const keys = part.map((r) => [r[0], r[2], r[1]]);
      for (const r of await c.query("SELECT project_id, session_id, event_id FROM events WHERE (project_id, session_id, event_id) IN (?) AND ingest_tag = ?", [keys, tag])) inserted.add(rowKey(r));
    }
  }
  return inserted;
}

async function upsertSessions(c: RawConnection, dialect: Dialect, sessions: readonly SessionDelta[]): Promise<void> {
  if (sessions.length === 0) return;
  const rows = sessions.map(sessionRow);
  if (dialect === "pg") {
    await c.run(
      `INSERT INTO sessions (${SESSION_COLS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::int[], $9::text[], $10::text[])
       ${SESSION_MERGE.pg}`,
      unnestColumns(rows, 10),
    );
    return;
  }
  for (const part of packets(rows, rowBytes)) await c.run(`INSERT INTO sessions (${SESSION_COLS}) VALUES ? ${SESSION_MERGE.mysql}`, [part]);
}

async function appendJournal(c: RawConnection, dialect: Dialect, journal: ReadonlyArray<{ projectId: string; events: number; body: Buffer }>): Promise<void> {
  if (journal.length === 0) return;
  if (dialect === "pg") {
    const bodies = packBuffers(journal.map((j) => j.body));
    await c.run(
      "INSERT INTO heat_journal (project_id, events, body) SELECT p, e, substring($3::bytea FROM o FOR l) FROM unnest($1::text[], $2::int[], $4::int[], $5::int[]) AS r(p, e, o, l)",
      [journal.map((j) => j.projectId), journal.map((j) => j.events), bodies.blob, bodies.offsets, bodies.lengths],
    );
    return;
  }
  const rows = journal.map((j) => [j.projectId, j.events, j.body]);
  for (const part of packets(rows, rowBytes)) await c.run("INSERT INTO heat_journal (project_id, events, body) VALUES ?", [part]);
}

/**
 * The group's statements, inside the caller's transaction: one event insert, one session upsert and
 * one journal append for all its batches (more only where MySQL's packet size asks for it).
 */
async function writeGroup(c: RawConnection, dialect: Dialect, how: InsertedRows, group: readonly WriteBatch[]): Promise<WriteResult[]> {
  const inserted = await insertEvents(c, dialect, how, uniqueEvents(group));
  const settled = settleGroup(group, inserted);
  await upsertSessions(c, dialect, settled.sessions);
  await appendJournal(c, dialect, settled.journal);
  return settled.results;
}

const failed = (err: unknown): SequelizeStorageError => {
  const e = err as { message?: string; code?: unknown; errno?: unknown } | null;
  const what = [e?.code ?? e?.errno, e?.message].filter((v) => v !== undefined && v !== "").join(" ") || String(err);
  return new SequelizeStorageError("write_failed", `The batch was rolled back: ${what}`, { cause: err });
};

/**
 * Commits a group of batches on `c`: one transaction for all of them; if it fails for a reason of
 * the data (a trigger refusing one batch, say), the group is redone one savepoint per batch, so
 * only the refused batches fail. Deadlocks and serialization failures are retried, `retries` times.
 * `statementsDone` is called when only COMMIT is left (group-commit.ts starts the next group then).
 */
export async function commitGroup(
  c: RawConnection,
  dialect: Dialect,
  how: InsertedRows,
  retries: number,
  group: readonly WriteBatch[],
  statementsDone: () => void = () => undefined,
): Promise<Array<WriteResult | Error>> {
  let cause: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(c, () => writeGroup(c, dialect, how, group), statementsDone);
    } catch (err) {
      if (isRetryable(err) && attempt < retries) continue;
      if (isConnectionError(err) || group.length === 1 || isRetryable(err)) return group.map(() => failed(err));
      cause = err;
      break;
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(c, async () => {
        const out: Array<WriteResult | Error> = [];
        for (const batch of group) {
          await c.run("SAVEPOINT hc_batch");
          try {
            out.push((await writeGroup(c, dialect, how, [batch]))[0]!);
            await c.run("RELEASE SAVEPOINT hc_batch");
          } catch (err) {
            if (isRetryable(err) || isConnectionError(err)) throw err;
            await c.run("ROLLBACK TO SAVEPOINT hc_batch");
            out.push(failed(err));
          }
        }
        return out;
      }, statementsDone);
    } catch (err) {
      if (isRetryable(err) && attempt < retries) continue;
      return group.map(() => failed(err ?? cause));
    }
  }
}
