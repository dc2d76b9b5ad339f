import type Database from "better-sqlite3";
import type { DerivedFilter, RageClickCellRow, RageClickSummaryRow } from "@m-software-engineering/heat-collector-kernel";
// The rage-click module alone, not the kernel's index (see heat-tiles.ts): the writer thread loads this file.
import { clickRow, rageClickWindow, rederiveRageClicks, type ClickRow, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";

type Param = string | number | null;
type Prepare = (sql: string) => Database.Statement;

/** The new clicks of a write, per session: the time span they cover. */
export class NewClicks {
  private readonly spans = new Map<string, { projectId: string; sessionId: string; from: number; to: number }>();

  add(projectId: string, sessionId: string, ts: number): void {
    const key = `${projectId}\u0000${sessionId}`;
    const s = this.spans.get(key);
    if (!s) this.spans.set(key, { projectId, sessionId, from: ts, to: ts });
    else {
      s.from = Math.min(s.from, ts);
      s.to = Math.max(s.to, ts);
    }
  }

  /**
   * Re-derives the rage clicks of every session with new clicks, around them (rageClickWindow),
   * from its stored clicks: inside the caller's transaction, after its events are inserted.
   */
  rederive(prepare: Prepare, rule: RageClickRule): void {
    if (this.spans.size === 0) return;
    const read = prepare(
      // Only the fields a click needs, extracted in SQL: parsing each whole event document in JS cost more.
      `SELECT event_id, ts, page, bucket, data ->> '$.x' AS x, data ->> '$.y' AS y, data ->> '$.selector' AS selector
       FROM events INDEXED BY events_session_clicks WHERE project_id = ? AND session_id = ? AND ts BETWEEN ? AND ? AND type = 'click'`,
    );
    const drop = prepare("DELETE FROM rage_clicks WHERE project_id = ? AND session_id = ? AND ts BETWEEN ? AND ?");
    const put = prepare("INSERT INTO rage_clicks (project_id, session_id, event_id, ts, page, bucket, gx, gy, selector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const s of this.spans.values()) {
      const w = rageClickWindow(s.from, s.to, rule);
      const clicks: ClickRow[] = [];
      for (const r of read.all(s.projectId, s.sessionId, w.read[0], w.read[1]) as Array<Record<string, string | number | null>>) {
        const c = clickRow({
          projectId: s.projectId,
          sessionId: s.sessionId,
          eventId: String(r.event_id),
          ts: Number(r.ts),
          page: String(r.page),
          bucket: String(r.bucket),
          data: { x: r.x, y: r.y, selector: r.selector },
        });
        if (c) clicks.push(c);
      }
      drop.run(s.projectId, s.sessionId, w.redo[0], w.redo[1]);
      for (const x of rederiveRageClicks(clicks, w.redo, rule)) put.run(x.projectId, x.sessionId, x.eventId, x.ts, x.page, x.bucket, x.gx, x.gy, x.selector);
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
