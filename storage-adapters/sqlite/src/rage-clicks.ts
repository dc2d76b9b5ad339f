import type Database from "better-sqlite3";
import type { DerivedFilter, RageClickCellRow, RageClickSummaryRow } from "@m-software-engineering/heat-collector-kernel";
// The rage-click module alone, not the kernel's index (see heat-tiles.ts): the writer thread loads this file.
import { clickRow, rageClickWindow, rederiveRageClicks, type ClickRow, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";

type Param = string | number | null;
type Prepare = (sql: string) => Database.Statement;

const sessionOf = (projectId: string, sessionId: string): string => `${projectId}\u0000${sessionId}`;

/**
 * Recent sessions' stored clicks, each session's exactly from a time `from` on, so that re-deriving
 * a write's rage clicks need not read back the clicks this writer stored a moment ago (~31 clicks
 * per live batch, each a table row and three JSON extractions: 0.16 ms of ~1.8 ms per batch). Filled
 * by a read of all the session's clicks since `from`, extended with each click the writer stores,
 * trimmed from the front. The writer clears it whenever anything else may have changed stored
 * clicks: a batch or group rolled back, an erasure or purge, another connection's commit.
 */
export class RecentClicks {
  private readonly sessions = new Map<string, { from: number; clicks: ClickRow[] }>();

  /**
   * At most `maxSessions` sessions (least recently used go first) of at most `maxClicks` clicks
   * read back each: a few MB at most, where a live session holds about a window's worth.
   */
  constructor(
    readonly maxSessions = 1024,
    readonly maxClicks = 256,
  ) {}

  /** The session's stored clicks with ts in [fromTs, toTs], or undefined when they are not all known. */
  within(projectId: string, sessionId: string, fromTs: number, toTs: number): ClickRow[] | undefined {
    const key = sessionOf(projectId, sessionId);
    const s = this.sessions.get(key);
    if (!s || s.from > fromTs) return undefined;
    this.sessions.delete(key); // most recently used last
    this.sessions.set(key, s);
    return s.clicks.filter((c) => c.ts >= fromTs && c.ts <= toTs);
  }

  /** `clicks`: every stored click of the session with ts ≥ from. */
  remember(projectId: string, sessionId: string, from: number, clicks: ClickRow[]): void {
    const key = sessionOf(projectId, sessionId);
    this.sessions.delete(key);
    this.sessions.set(key, { from, clicks });
    if (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }

  /** A click just stored. */
  add(c: ClickRow): void {
    const s = this.sessions.get(sessionOf(c.projectId, c.sessionId));
    if (s && c.ts >= s.from) s.clicks.push(c);
  }

  /** Forgets the session's clicks before `from`. */
  trim(projectId: string, sessionId: string, from: number): void {
    const s = this.sessions.get(sessionOf(projectId, sessionId));
    if (!s || from <= s.from) return;
    s.from = from;
    s.clicks = s.clicks.filter((c) => c.ts >= from);
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** The new clicks of a write, per session: the time span they cover. */
export class NewClicks {
  private readonly spans = new Map<string, { projectId: string; sessionId: string; from: number; to: number }>();
  /** The clicks stored, with coordinates (rage detection ignores the others). */
  private readonly stored: ClickRow[] = [];

  add(projectId: string, sessionId: string, ts: number, click: ClickRow | null): void {
    const key = sessionOf(projectId, sessionId);
    const s = this.spans.get(key);
    if (!s) this.spans.set(key, { projectId, sessionId, from: ts, to: ts });
    else {
      s.from = Math.min(s.from, ts);
      s.to = Math.max(s.to, ts);
    }
    if (click) this.stored.push(click);
  }

  /**
   * Re-derives the rage clicks of every session with new clicks, around them (rageClickWindow),
   * from its stored clicks (`recent`, or read back): inside the caller's transaction, after its
   * events are inserted.
   */
  rederive(prepare: Prepare, rule: RageClickRule, recent: RecentClicks): void {
    if (this.spans.size === 0) return;
    for (const c of this.stored) recent.add(c);
    // Only the fields a click needs, extracted in SQL: parsing each whole event document in JS cost more.
    const fields = "event_id, ts, page, bucket, data ->> '$.x' AS x, data ->> '$.y' AS y, data ->> '$.selector' AS selector";
    const from = `FROM events INDEXED BY events_session_clicks WHERE project_id = ? AND session_id = ? AND type = 'click'`;
    /** Every click from a time on, in time order, up to a limit: what the memory keeps of a session. */
    const since = prepare(`SELECT ${fields} ${from} AND ts >= ? ORDER BY ts LIMIT ?`);
    /** The clicks of a window: for a session with more clicks after the window's start than the memory keeps. */
    const windowRead = prepare(`SELECT ${fields} ${from} AND ts BETWEEN ? AND ?`);
    const clicksOf = (s: { projectId: string; sessionId: string }, rows: unknown[]): ClickRow[] => {
      const out: ClickRow[] = [];
      for (const r of rows as Array<Record<string, string | number | null>>) {
        const c = clickRow({
          projectId: s.projectId,
          sessionId: s.sessionId,
          eventId: String(r.event_id),
          ts: Number(r.ts),
          page: String(r.page),
          bucket: String(r.bucket),
          data: { x: r.x, y: r.y, selector: r.selector },
        });
        if (c) out.push(c);
      }
      return out;
    };
    const drop = prepare("DELETE FROM rage_clicks WHERE project_id = ? AND session_id = ? AND ts BETWEEN ? AND ?");
    const put = prepare("INSERT INTO rage_clicks (project_id, session_id, event_id, ts, page, bucket, gx, gy, selector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const s of this.spans.values()) {
      const w = rageClickWindow(s.from, s.to, rule);
      let clicks = recent.within(s.projectId, s.sessionId, w.read[0], w.read[1]);
      if (!clicks) {
        // Every click from the window's start on (not only to its end), so the session is known from there on.
        const rows = since.all(s.projectId, s.sessionId, w.read[0], recent.maxClicks + 1);
        if (rows.length <= recent.maxClicks) {
          const known = clicksOf(s, rows);
          recent.remember(s.projectId, s.sessionId, w.read[0], known);
          clicks = known.filter((c) => c.ts <= w.read[1]);
        } else clicks = clicksOf(s, windowRead.all(s.projectId, s.sessionId, w.read[0], w.read[1]));
      }
      drop.run(s.projectId, s.sessionId, w.redo[0], w.redo[1]);
      for (const x of rederiveRageClicks(clicks, w.redo, rule)) put.run(x.projectId, x.sessionId, x.eventId, x.ts, x.page, x.bucket, x.gx, x.gy, x.selector);
      // The next live batch of this session reads from about here on.
      recent.trim(s.projectId, s.sessionId, w.read[0]);
    }
  }
}

/** WHERE of a rage-click read: project, pages (one JSON array bind), exact time range. */
function where(f: DerivedFilter): { sql: string; params: Param[] } {
  const clauses = ["project_id = ?"];
  const params: Param[] = [f.projectId];
  if (f.pages !== undefined) {
    clauses.push("page IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(f.pages));
  }
  if (f.fromTs !== undefined) {
    clauses.push("ts >= ?");
    params.push(f.fromTs);
  }
  if (f.toTs !== undefined) {
    clauses.push("ts <= ?");
    params.push(f.toTs);
  }
  return { sql: clauses.join(" AND "), params };
}

export function rageClickSummary(prepare: Prepare, f: DerivedFilter): RageClickSummaryRow[] {
  const w = where(f);
  return prepare(`SELECT bucket, COUNT(*) AS n, MAX(gy) AS maxGy FROM rage_clicks WHERE ${w.sql} GROUP BY bucket ORDER BY bucket`).all(...w.params) as RageClickSummaryRow[];
}

/** better-sqlite3 binds numbers as REAL: the factor is cast, or `gx / ?` would not divide whole. */
export function rageClickCells(prepare: Prepare, f: DerivedFilter & { buckets: readonly string[]; cellFactor: number }): RageClickCellRow[] {
  const w = where(f);
  const k = Math.max(1, Math.floor(f.cellFactor));
  return prepare(
    `SELECT bucket, gx / CAST(? AS INTEGER) AS cx, gy / CAST(? AS INTEGER) AS cy, COUNT(*) AS n FROM rage_clicks
     WHERE ${w.sql} AND bucket IN (SELECT value FROM json_each(?)) GROUP BY bucket, cx, cy`,
  ).all(k, k, ...w.params, JSON.stringify(f.buckets)) as RageClickCellRow[];
}
