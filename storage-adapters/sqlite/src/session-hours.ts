import type Database from "better-sqlite3";
// The module alone, not the kernel's index: the writer thread loads this file too.
import { sessionKeys } from "@m-software-engineering/heat-collector-kernel/dist/heat/session-key";
import type { ElementFilter, ElementRow, HourRangeFilter, ScrollDepthRow, ScrollFilter, SeriesFilter, SeriesRow } from "@m-software-engineering/heat-collector-kernel";

type Param = string | number | null;
type Prepare = (sql: string) => Database.Statement;

const HOUR_MS = 3_600_000;

/** The new events of a write, counted per (project, hour, page, bucket, session), with the deepest scroll and tallest viewport. */
export class NewActivity {
  private readonly rows = new Map<string, [string, number, string, string, string, number, number, number, number, number, number]>();
  /** `keyOf`: the write's sessionKeys(), shared by its derived rows. */
  constructor(private readonly keyOf = sessionKeys()) {}

  add(projectId: string, ts: number, page: string, bucket: string, sessionId: string, click: boolean, view: ArrayLike<number>, at: number): void {
    const hour = Math.floor(ts / HOUR_MS);
    const key = `${projectId}\u0000${hour}\u0000${page}\u0000${bucket}\u0000${sessionId}`;
    const [h, depth, scrollY] = [view[at]!, view[at + 1]!, view[at + 2]!];
    const row = this.rows.get(key);
    if (row) {
      row[5] += 1;
      row[6] += click ? 1 : 0;
      row[7] = Math.max(row[7], depth);
      row[8] = Math.max(row[8], scrollY);
      row[9] = Math.max(row[9], h);
    } else this.rows.set(key, [projectId, hour, page, bucket, sessionId, 1, click ? 1 : 0, depth, scrollY, h, this.keyOf(sessionId)]);
  }

  /** Adds the counts, inside the caller's transaction. */
  write(prepare: Prepare): void {
    if (this.rows.size === 0) return;
    const put = prepare(
      `INSERT INTO session_hours (project_id, hour, page, bucket, session_id, events, clicks, max_depth, max_scroll_y, viewport_h, session_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, hour, page, bucket, session_id) DO UPDATE SET events = events + excluded.events, clicks = clicks + excluded.clicks,
         max_depth = MAX(max_depth, excluded.max_depth), max_scroll_y = MAX(max_scroll_y, excluded.max_scroll_y), viewport_h = MAX(viewport_h, excluded.viewport_h)`,
    );
    for (const row of this.rows.values()) put.run(...row);
  }
}

/** The new clicks of a write with a selector, counted per (project, hour, page, bucket, selector, session). */
export class NewElementClicks {
  private readonly rows = new Map<string, [string, number, string, string, string, string, number, number]>();
  constructor(private readonly keyOf = sessionKeys()) {}

  add(projectId: string, ts: number, page: string, bucket: string, selector: string, sessionId: string): void {
    const hour = Math.floor(ts / HOUR_MS);
    const key = `${projectId}\u0000${hour}\u0000${page}\u0000${bucket}\u0000${selector}\u0000${sessionId}`;
    const row = this.rows.get(key);
    if (row) row[6] += 1;
    else this.rows.set(key, [projectId, hour, page, bucket, selector, sessionId, 1, this.keyOf(sessionId)]);
  }

  /** Adds the counts, inside the caller's transaction. */
  write(prepare: Prepare): void {
    if (this.rows.size === 0) return;
    const put = prepare(
      `INSERT INTO element_hours (project_id, hour, page, bucket, selector, session_id, clicks, session_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, hour, page, bucket, selector, session_id) DO UPDATE SET clicks = clicks + excluded.clicks`,
    );
    for (const row of this.rows.values()) put.run(...row);
  }
}

/** The clicked 8 px cells of a write's new clicks, per (project, bucket, page, UTC hour, session), each once. */
export class NewClickCells {
  private readonly rows = new Map<string, [string, string, string, number, number, number, number]>();
  constructor(private readonly keyOf = sessionKeys()) {}

  add(projectId: string, ts: number, page: string, bucket: string, gx: number, gy: number, sessionId: string): void {
    const key = this.keyOf(sessionId);
    const hour = Math.floor(ts / HOUR_MS);
    const id = `${projectId}\u0000${bucket}\u0000${page}\u0000${hour}\u0000${gy}\u0000${gx}\u0000${key}`;
    if (!this.rows.has(id)) this.rows.set(id, [projectId, bucket, page, hour, gy, gx, key]);
  }

  /** Adds the cells not kept yet, inside the caller's transaction. */
  write(prepare: Prepare): void {
    if (this.rows.size === 0) return;
    const put = prepare(
      `INSERT INTO click_cells (project_id, bucket, page, hour, gy, gx, session_key) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, bucket, page, hour, gy, gx, session_key) DO NOTHING`,
    );
    for (const row of this.rows.values()) put.run(...row);
  }
}

/** A bucket's width ("1300x700" → 1300), as SQL. */
const WIDTH = "CAST(substr(bucket, 1, instr(bucket, 'x') - 1) AS INTEGER)";

/**
 * WHERE of an hour-range read: project, pages, bucket widths and the hours, compared with the
 * table's `hour` column, or, `byTs`, with the whole hours its `ts` falls in (rage clicks).
 */
export function hourRangeWhere(f: HourRangeFilter, byTs: boolean): { clauses: string[]; params: Param[] } {
  const { clauses, params } = hourWhere(f);
  if (f.fromHour !== undefined) {
    clauses.push(byTs ? "ts >= ?" : "hour >= ?");
    params.push(byTs ? f.fromHour * HOUR_MS : f.fromHour);
  }
  if (f.toHour !== undefined) {
    clauses.push(byTs ? "ts < ?" : "hour <= ?");
    params.push(byTs ? (f.toHour + 1) * HOUR_MS : f.toHour);
  }
  return { clauses, params };
}

/** WHERE of an hour-keyed read: project, pages, bucket widths (hourRangeWhere adds the hours). */
function hourWhere(f: HourRangeFilter) {
  const clauses = ["project_id = ?"];
  const params: Param[] = [f.projectId];
  if (f.pages !== undefined) {
    clauses.push("page IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(f.pages));
  }
  if (f.widthMin !== undefined) {
    clauses.push(`${WIDTH} >= ?`);
    params.push(f.widthMin);
  }
  if (f.widthMax !== undefined) {
    clauses.push(`${WIDTH} <= ?`);
    params.push(f.widthMax);
  }
  return { clauses, params };
}

/** The element ranking (see StorageAdapter.topElements), aggregated by SQLite. */
export function topElements(prepare: Prepare, f: ElementFilter): { rows: ElementRow[]; totalClicks: number } {
  const { clauses, params } = hourRangeWhere(f, false);
  const where = clauses.join(" AND ");
  const top = prepare(
    `SELECT selector, SUM(clicks) AS clicks, COUNT(DISTINCT session_key) AS sessions FROM element_hours WHERE ${where}
     GROUP BY selector ORDER BY clicks DESC, selector LIMIT ?`,
  ).all(...params, f.limit) as Array<{ selector: string; clicks: number; sessions: number }>;
  const total = prepare(`SELECT COALESCE(SUM(clicks), 0) AS n FROM session_hours WHERE ${where}`).get(...params) as { n: number };
  const rage = new Map<string, number>();
  if (top.length > 0) {
    const { clauses: r, params: rp } = hourRangeWhere(f, true);
    const rows = prepare(
      `SELECT selector, COUNT(*) AS n FROM rage_clicks WHERE ${r.join(" AND ")} AND selector IN (SELECT value FROM json_each(?)) GROUP BY selector`,
    ).all(...rp, JSON.stringify(top.map((t) => t.selector))) as Array<{ selector: string; n: number }>;
    for (const x of rows) rage.set(x.selector, x.n);
  }
  return { rows: top.map((t) => ({ selector: t.selector, clicks: t.clicks, sessions: t.sessions, rageClicks: rage.get(t.selector) ?? 0 })), totalClicks: total.n };
}

/** The scroll map's sessions (see StorageAdapter.scrollDepths), aggregated by SQLite. */
export function scrollDepths(prepare: Prepare, f: ScrollFilter): ScrollDepthRow[] {
  const w = hourRangeWhere(f, false);
  return prepare(
    `SELECT depth, viewportH, scrolled, COUNT(*) AS sessions FROM (
       SELECT MAX(max_depth) AS depth, MAX(viewport_h) AS viewportH, MAX(max_scroll_y) > 0 AS scrolled FROM session_hours
       WHERE ${w.clauses.join(" AND ")} GROUP BY session_key
     ) s GROUP BY depth, viewportH, scrolled ORDER BY depth, viewportH, scrolled`,
  )
    .all(...w.params)
    .map((r) => {
      const x = r as { depth: number; viewportH: number; scrolled: number; sessions: number };
      return { depth: x.depth, viewportH: x.viewportH, scrolled: x.scrolled === 1, sessions: x.sessions };
    });
}

/** A trend line (see StorageAdapter.timeseries), aggregated by SQLite. */
export function timeseries(prepare: Prepare, f: SeriesFilter): SeriesRow[] {
  const rage = f.metric === "rageclicks";
  // Rage clicks keep their time: by hour as the other metrics (ts / 3600000).
  const hour = rage ? `ts / ${HOUR_MS}` : "hour";
  const { clauses, params } = hourRangeWhere(f, rage);
  const period = f.interval === "hour" ? hour : `(${hour}) / 24`;
  const value = rage ? "COUNT(*)" : f.metric === "sessions" ? "COUNT(DISTINCT session_key)" : f.metric === "clicks" ? "SUM(clicks)" : "SUM(events)";
  const table = rage ? "rage_clicks" : "session_hours";
  return prepare(`SELECT ${period} AS period, ${value} AS value FROM ${table} WHERE ${clauses.join(" AND ")} GROUP BY period ORDER BY period`).all(
    ...params,
  ) as SeriesRow[];
}
