import type { SessionCellFilter, SessionCellRow, SessionGridFilter, SessionSummaryRow } from "@m-software-engineering/heat-collector-kernel";
import type { Dialect } from "./connect";
import type { JournalClickCell } from "./heat-journal";
import type { Select } from "./heat-reads";
import type { RawConnection } from "./raw-connection";
import { num, str, type Row } from "./rows";
import { Binds, intDiv, pageHash } from "./sql";
import { hourRangeWhere } from "./session-hours";

const HOUR_MS = 3_600_000;


/**
 * Adds the journal rows' clicked cells to click_cells, each (project, page, bucket, hour, cell,
 * session) once: a cell already kept is left as it is, so a retried or re-folded click adds
 * nothing. Written in key order with one statement; inside the fold's transaction.
 */
export async function foldClickCells(c: RawConnection, dialect: Dialect, rows: ReadonlyArray<{ projectId: string; clickCells: readonly JournalClickCell[] }>): Promise<void> {
  const merged = new Map<string, [string, string, string, string, number, number, number, string]>();
  for (const row of rows) {
    for (const a of row.clickCells) {
      const hash = pageHash(a.page);
      const key = `${row.projectId}\u0000${hash}\u0000${a.bucket}\u0000${String(a.hour).padStart(16, "0")}\u0000${String(a.gy).padStart(9, "0")}\u0000${String(a.gx).padStart(9, "0")}\u0000${a.sessionId}`;
      if (!merged.has(key)) merged.set(key, [row.projectId, hash, a.page, a.bucket, a.hour, a.gy, a.gx, a.sessionId]);
    }
  }
  if (merged.size === 0) return;
  const values = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  if (dialect === "pg") {
    await c.run(
      `INSERT INTO click_cells (project_id, page_hash, page, bucket, hour, gy, gx, session_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[])
       ON CONFLICT (project_id, page_hash, bucket, hour, gy, gx, session_id) DO NOTHING`,
      values[0]!.map((_, k) => values.map((v) => v[k])),
    );
    return;
  }
  for (let i = 0; i < values.length; i += 2000) {
    // A no-op update rather than INSERT IGNORE, which would also turn other errors into warnings.
    await c.run(
      `INSERT INTO click_cells (project_id, page_hash, page, bucket, hour, gy, gx, session_id) VALUES ?
       ON DUPLICATE KEY UPDATE session_id = session_id`,
      [values.slice(i, i + 2000)],
    );
  }
}

/** Migration 9's data step: the clicks already stored, with the grid's cell rule max(0, floor(v / 8)). */
export function backfillClickCellsSql(dialect: Dialect): string {
  const hour = intDiv(dialect, "ts", String(HOUR_MS));
  if (dialect === "pg") {
    const cell = (k: string) => `GREATEST(0, FLOOR((data::jsonb ->> '${k}')::float8 / 8))::int`;
    return `INSERT INTO click_cells (project_id, page_hash, page, bucket, hour, gy, gx, session_id)
      SELECT DISTINCT project_id, page_hash, page, bucket, ${hour}, ${cell("y")}, ${cell("x")}, session_id FROM events
      WHERE type = 'click' AND jsonb_typeof(data::jsonb -> 'x') = 'number' AND jsonb_typeof(data::jsonb -> 'y') = 'number'
      ON CONFLICT (project_id, page_hash, bucket, hour, gy, gx, session_id) DO NOTHING`;
  }
  const cell = (k: string) => `GREATEST(0, FLOOR(JSON_EXTRACT(data, '$.${k}') / 8))`;
  return `INSERT INTO click_cells (project_id, page_hash, page, bucket, hour, gy, gx, session_id)
    SELECT project_id, page_hash, page, bucket, ${hour}, ${cell("y")}, ${cell("x")}, session_id FROM events
    WHERE type = 'click' AND JSON_TYPE(JSON_EXTRACT(data, '$.x')) IN ('INTEGER', 'DOUBLE') AND JSON_TYPE(JSON_EXTRACT(data, '$.y')) IN ('INTEGER', 'DOUBLE')
    ON DUPLICATE KEY UPDATE session_id = click_cells.session_id`;
}

/** WHERE of a unique_sessions read: clicks by their hour, rage clicks by the whole hours their time falls in. */
const sessionWhere = (b: Binds, dialect: Dialect, f: SessionCellFilter): string => hourRangeWhere(b, dialect, f, f.source === "rageclick");

const tableOf = (f: SessionCellFilter): string => (f.source === "rageclick" ? "rage_clicks" : "click_cells");

/** Distinct sessions per viewport bucket (see StorageAdapter.sessionSummary), counted by the database. */
export async function sessionSummary(select: Select, dialect: Dialect, f: SessionCellFilter): Promise<SessionSummaryRow[]> {
  const b = new Binds();
  const rows = await select(
    `SELECT bucket, COUNT(DISTINCT session_id) AS sessions, MAX(gy) AS max_gy FROM ${tableOf(f)} WHERE ${sessionWhere(b, dialect, f)} GROUP BY bucket ORDER BY bucket`,
    b.values,
  );
  return rows.map((r: Row) => ({ bucket: str(r.bucket), sessions: num(r.sessions), maxGy: num(r.max_gy) }));
}

/** Distinct sessions per drawn cell (see StorageAdapter.sessionCells): placed on the grid and counted by the database. */
export async function sessionCells(select: Select, dialect: Dialect, f: SessionGridFilter): Promise<SessionCellRow[]> {
  if (f.drawn.length === 0) return [];
  const b = new Binds();
  const k = Math.max(1, Math.floor(f.cellFactor));
  const int = (v: number) => (dialect === "pg" ? `${b.add(v)}::int` : b.add(v));
  // 8 gx × columns passes 2^31 on wide pages: a 64-bit product on PostgreSQL (MySQL's is already).
  const gx = dialect === "pg" ? "gx::bigint" : "gx";
  const column = f.relative ? intDiv(dialect, `(8 * ${gx} + 4) * ${int(f.columns)}`, "d.w") : intDiv(dialect, "gx", int(k));
  const cx = `LEAST(${column}, ${int(f.columns - 1)})`;
  const cy = intDiv(dialect, "gy", int(k));
  // The drawn buckets with their widths, as a derived table every dialect reads.
  const text = (v: string) => (dialect === "pg" ? `${b.add(v)}::text` : b.add(v));
  const drawn = f.drawn.map((d) => `SELECT ${text(d.bucket)} AS b, ${int(d.width)} AS w`).join(" UNION ALL ");
  const rows = await select(
    `SELECT cx, cy, COUNT(*) AS sessions FROM (
       SELECT DISTINCT ${cx} AS cx, ${cy} AS cy, session_id FROM ${tableOf(f)} JOIN (${drawn}) d ON d.b = bucket
       WHERE ${sessionWhere(b, dialect, f)}
     ) s GROUP BY cy, cx ORDER BY cy, cx`,
    b.values,
  );
  return rows.map((r: Row) => ({ cx: num(r.cx), cy: num(r.cy), sessions: num(r.sessions) }));
}
