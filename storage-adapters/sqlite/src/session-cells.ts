import type Database from "better-sqlite3";
import type { SessionCellFilter, SessionCellRow, SessionGridFilter, SessionSummaryRow } from "@m-software-engineering/heat-collector-kernel";
import { hourRangeWhere } from "./session-hours";

type Prepare = (sql: string) => Database.Statement;

/** WHERE of a unique_sessions read: clicks from click_cells by their hour, rage clicks from rage_clicks by the whole hours their time falls in. */
function sessionWhere(f: SessionCellFilter): { table: string; clauses: string[]; params: Array<string | number | null> } {
  const rage = f.source === "rageclick";
  return { table: rage ? "rage_clicks" : "click_cells", ...hourRangeWhere(f, rage) };
}

/** Distinct sessions per viewport bucket (see StorageAdapter.sessionSummary), counted by SQLite. */
export function sessionSummary(prepare: Prepare, f: SessionCellFilter): SessionSummaryRow[] {
  const w = sessionWhere(f);
  return prepare(
    `SELECT bucket, COUNT(DISTINCT session_id) AS sessions, MAX(gy) AS maxGy FROM ${w.table} WHERE ${w.clauses.join(" AND ")} GROUP BY bucket ORDER BY bucket`,
  ).all(...w.params) as SessionSummaryRow[];
}

/** Distinct sessions per drawn cell (see StorageAdapter.sessionCells): placed on the grid and counted by SQLite. */
export function sessionCells(prepare: Prepare, f: SessionGridFilter): SessionCellRow[] {
  const w = sessionWhere(f);
  const k = Math.max(1, Math.floor(f.cellFactor));
  // Bound, not inlined: every grid shares one cached statement per shape. better-sqlite3 binds
  // numbers as REAL, so each is cast for integer division.
  const column = f.relative ? "MIN(((8 * gx + 4) * CAST(? AS INTEGER)) / d.w, CAST(? AS INTEGER))" : "MIN(gx / CAST(? AS INTEGER), CAST(? AS INTEGER))";
  return prepare(
    `SELECT cx, cy, COUNT(*) AS sessions FROM (
       SELECT DISTINCT ${column} AS cx, gy / CAST(? AS INTEGER) AS cy, session_id FROM ${w.table}
       JOIN (SELECT value ->> '$[0]' AS b, value ->> '$[1]' AS w FROM json_each(?)) d ON d.b = bucket
       WHERE ${w.clauses.join(" AND ")}
     ) GROUP BY cy, cx ORDER BY cy, cx`,
  ).all(f.relative ? f.columns : k, f.columns - 1, k, JSON.stringify(f.drawn.map((d) => [d.bucket, d.width])), ...w.params) as SessionCellRow[];
}
