import type Database from "better-sqlite3";
import type { SessionCellFilter, SessionCellRow, SessionGridFilter, SessionSummaryRow } from "@m-software-engineering/heat-collector-kernel";
import { hourRangeWhere } from "./session-hours";

type Prepare = (sql: string) => Database.Statement;

/**
 * Distinct sessions per viewport bucket (see StorageAdapter.sessionSummary), counted by SQLite:
 * clicks from the session hours that have any (every stored click has a cell), rage clicks from
 * their runs by the whole hours their time falls in.
 */
export function sessionSummary(prepare: Prepare, f: SessionCellFilter): SessionSummaryRow[] {
  const rage = f.source === "rageclick";
  const { clauses, params } = hourRangeWhere(f, rage);
  return prepare(
    `SELECT bucket, COUNT(DISTINCT ${rage ? "session_id" : "session_key"}) AS sessions FROM ${rage ? "rage_clicks" : "session_hours"}
     WHERE ${clauses.join(" AND ")}${rage ? "" : " AND clicks > 0"} GROUP BY bucket ORDER BY bucket`,
  ).all(...params) as SessionSummaryRow[];
}

/**
 * Distinct sessions per drawn cell (see StorageAdapter.sessionCells), placed on the grid and
 * counted by SQLite. Relative columns divide by each bucket's width, picked by a CASE over the
 * drawn buckets. Bound, not inlined, so every grid shares a statement per number of buckets;
 * better-sqlite3 binds numbers as REAL, so each is cast for integer division.
 */
export function sessionCells(prepare: Prepare, f: SessionGridFilter): SessionCellRow[] {
  if (f.drawn.length === 0) return [];
  const rage = f.source === "rageclick";
  const { clauses, params } = hourRangeWhere(f, rage);
  const k = Math.max(1, Math.floor(f.cellFactor));
  const int = "CAST(? AS INTEGER)";
  const widths = f.drawn.map(() => `WHEN ? THEN ${int}`).join(" ");
  const column = f.relative ? `MIN(((8 * gx + 4) * ${int}) / (CASE bucket ${widths} END), ${int})` : `MIN(gx / ${int}, ${int})`;
  const columnParams = f.relative ? [f.columns, ...f.drawn.flatMap((d) => [d.bucket, d.width]), f.columns - 1] : [k, f.columns - 1];
  // The drawn cell as one integer, row-major (cy × columns + cx), so that the sort and the distinct count per cell compare one value.
  const rows = prepare(
    `SELECT gy / ${int} * ${int} + ${column} AS cell, COUNT(DISTINCT ${rage ? "session_id" : "session_key"}) AS sessions
     FROM ${rage ? "rage_clicks" : "click_cells"} WHERE ${clauses.join(" AND ")} AND bucket IN (SELECT value FROM json_each(?))
     GROUP BY cell ORDER BY cell`,
  ).all(k, f.columns, ...columnParams, ...params, JSON.stringify(f.drawn.map((d) => d.bucket))) as Array<{ cell: number; sessions: number }>;
  return rows.map((r) => ({ cx: r.cell % f.columns, cy: Math.floor(r.cell / f.columns), sessions: r.sessions }));
}
