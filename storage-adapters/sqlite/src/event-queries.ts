import type { EventFilter } from "@m-software-engineering/heat-collector-kernel";
import type { Param } from "./rows";

/**
 * The width of the buckets the time indexes order events by (migration 8): `ts / 1000` is the
 * indexed expression, so a query must spell it the same way for SQLite to use the index.
 */
const BUCKET = "ts / 1000";
/** The bucket of a timestamp, as SQLite's integer division computes it. */
const bucketOf = (ts: number): number => Math.trunc(ts / 1000);

export interface EventQuery {
  /** `events INDEXED BY …`: the table, with the index the read follows. */
  from: string;
  /** Conditions, without the keyword WHERE. */
  where: string;
  params: Param[];
  /** Terms of the ORDER BY: a list's are equivalent to (ts, event_id, session_id); a scan's follow its index. */
  orderBy: string;
}

/**
 * The FROM, WHERE and ORDER BY of an event read. The index is named, not left to the planner:
 * without statistics it took events_session for a page read, and sorted the whole project. A read
 * by session follows events_session, which is in ts order; by user, events_user (then sorted); by
 * page, events_page, otherwise events_time, each in order of second and sorted within it
 * (ordering by the bucket first is the same order, since the bucket only grows with ts).
 */
export function eventQuery(f: EventFilter): EventQuery {
  const clauses = ["project_id = ?"];
  const params: Param[] = [f.projectId];
  const eq = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    clauses.push(`${col} = ?`);
    params.push(v);
  };
  eq("session_id", f.sessionId);
  eq("user_id", f.userId);
  if (f.pages !== undefined) {
    // One bind value whatever the number of pages (a pathPattern's matches): one cached statement.
    clauses.push(f.pages.length === 1 ? "page = ?" : "page IN (SELECT value FROM json_each(?))");
    params.push(f.pages.length === 1 ? f.pages[0]! : JSON.stringify(f.pages));
  }
  if (f.types) {
    clauses.push(`type IN (${f.types.map(() => "?").join(",")})`);
    params.push(...f.types);
  }
  if (f.fromTs !== undefined) {
    clauses.push(`${BUCKET} >= ?`, "ts >= ?");
    params.push(bucketOf(f.fromTs), f.fromTs);
  }
  if (f.toTs !== undefined) {
    clauses.push(`${BUCKET} <= ?`, "ts <= ?");
    params.push(bucketOf(f.toTs), f.toTs);
  }
  const index = f.sessionId !== undefined ? "events_session" : f.userId !== undefined ? "events_user" : f.pages !== undefined ? "events_page" : "events_time";
  const orderBy = index === "events_session" ? "ts, event_id, session_id" : `${BUCKET}, ts, event_id, session_id`;
  return { from: `events INDEXED BY ${index}`, where: clauses.join(" AND "), params, orderBy };
}

/**
 * A scan of the query's events in the order of its index, by second and then by seq (arrival), so
 * SQLite never sorts: ordered by ts, each page of a keyset scan sorted the rest of its second again
 * (3.3× slower at 16,000 events in a second of one page). Pass the last row of the previous page.
 */
export function scanQuery(f: EventFilter, last?: { ts: number; seq: number }): EventQuery {
  const q = eventQuery(f);
  const orderBy = `${BUCKET}, seq`;
  if (!last) return { ...q, orderBy };
  // The bucket bound lets SQLite seek the index; the row value picks up exactly after `last`.
  return {
    ...q,
    where: `${q.where} AND ${BUCKET} >= ? AND (${BUCKET}, seq) > (?, ?)`,
    params: [...q.params, bucketOf(last.ts), bucketOf(last.ts), last.seq],
    orderBy,
  };
}
