import type { DerivedFilter, RageClickCellRow, RageClickSummaryRow } from "@m-software-engineering/heat-collector-kernel";
import { rageClickWindow, rederiveRageClicks, type ClickRow, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import type { Dialect } from "./connect";
import type { JournalClicks } from "./heat-journal";
import type { Select } from "./heat-reads";
import type { RawConnection } from "./raw-connection";
import { num, str, toClickRow, type Row } from "./rows";
import { Binds, intDiv, pageHash, pagesClause } from "./sql";
import { unnestColumns } from "./pg-binds";


/** Sessions with new clicks, merged per (project, session) across journal rows, in key order. */
export function mergeClickSpans(rows: ReadonlyArray<{ projectId: string; clicks: readonly JournalClicks[] }>): Array<{ projectId: string; sessionId: string; from: number; to: number }> {
  const spans = new Map<string, { projectId: string; sessionId: string; from: number; to: number }>();
  for (const row of rows) {
    for (const c of row.clicks) {
      const key = `${row.projectId}\u0000${c.sessionId}`;
      const s = spans.get(key);
      if (!s) spans.set(key, { projectId: row.projectId, sessionId: c.sessionId, from: c.from, to: c.to });
      else {
        s.from = Math.min(s.from, c.from);
        s.to = Math.max(s.to, c.to);
      }
    }
  }
  return [...spans.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/** Sessions per statement of a fold's rage-click work: an OR of index ranges each. */
const SESSIONS_PER_STATEMENT = 200;

/**
 * MySQL / MariaDB: the index a statement must walk. Their range optimizer weighs every index
 * against an OR of 200 ranges; under ingest load on MariaDB 10.11 that took ~300 ms a statement
 * (its slow log: under 1 ms of it in the engine), and the fold fell ~100,000 events behind.
 * PostgreSQL needs no hint: there the rage fold's reads are ~5% of statement time and the fold keeps up.
 */
const walk = (dialect: Dialect, index: string): string => (dialect === "pg" ? "" : ` FORCE INDEX (${index})`);

/**
 * Re-derives the rage clicks of each session around its new clicks (rageClickWindow), from its
 * committed clicks: inside the fold's transaction, which holds the fold lock, so one derivation
 * at a time reads and replaces a session's rage clicks. A click committed after this read has its
 * own journal row, and so its own later derivation. Three statements per 200 sessions (read the
 * clicks, delete the ranges, insert the runs), each an OR of `(project, session, ts)` ranges of
 * the session indexes, so a fold of many sessions stays a few round trips.
 */
export async function foldRageClicks(
  c: RawConnection,
  dialect: Dialect,
  spans: ReadonlyArray<{ projectId: string; sessionId: string; from: number; to: number }>,
  rule: RageClickRule,
): Promise<void> {
  const sql = (text: string) => (dialect === "pg" ? text : text.replace(/\$\d+/g, "?"));
  for (let i = 0; i < spans.length; i += SESSIONS_PER_STATEMENT) {
    const part = spans.slice(i, i + SESSIONS_PER_STATEMENT).map((s) => ({ ...s, window: rageClickWindow(s.from, s.to, rule) }));
    const ranges = (pick: "read" | "redo") => {
      const b = new Binds();
      const where = part
        .map((s) => `(project_id = ${b.add(s.projectId)} AND session_id = ${b.add(s.sessionId)} AND ts >= ${b.add(s.window[pick][0])} AND ts <= ${b.add(s.window[pick][1])})`)
        .join(" OR ");
      return { where, values: b.values };
    };
    const read = ranges("read");
    const rows = await c.query(sql(`SELECT project_id, session_id, event_id, ts, page, bucket, data FROM events${walk(dialect, "events_session")} WHERE type = 'click' AND (${read.where})`), read.values);
    const clicks = new Map<string, ClickRow[]>();
    for (const r of rows) {
      const click = toClickRow(r);
      if (!click) continue;
      const key = `${click.projectId}\u0000${click.sessionId}`;
      const list = clicks.get(key);
      if (list) list.push(click);
      else clicks.set(key, [click]);
    }
    const redo = ranges("redo");
    if (dialect === "pg") await c.run(`DELETE FROM rage_clicks WHERE ${redo.where}`, redo.values);
    else {
      // A DELETE takes no index hint: read the keys through the primary key, then delete those rows (usually none).
      // Under READ COMMITTED the read sees every committed run, and only a fold, holding the fold lock, writes them.
      const stale = await c.query(sql(`SELECT project_id, session_id, event_id FROM rage_clicks${walk(dialect, "PRIMARY")} WHERE ${redo.where}`), redo.values);
      if (stale.length > 0) await c.run("DELETE FROM rage_clicks WHERE (project_id, session_id, event_id) IN (?)", [stale.map((r) => [r.project_id, r.session_id, r.event_id])]);
    }
    const runs = part.flatMap((s) => rederiveRageClicks(clicks.get(`${s.projectId}\u0000${s.sessionId}`) ?? [], s.window.redo, rule));
    if (runs.length === 0) continue;
    const values = runs.map((x) => [x.projectId, x.sessionId, x.eventId, x.ts, pageHash(x.page), x.page, x.bucket, x.gx, x.gy, x.selector]);
    if (dialect === "pg") {
      await c.run(
        `INSERT INTO rage_clicks (project_id, session_id, event_id, ts, page_hash, page, bucket, gx, gy, selector)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::text[])`,
        unnestColumns(values, 10),
      );
    } else {
      await c.run("INSERT INTO rage_clicks (project_id, session_id, event_id, ts, page_hash, page, bucket, gx, gy, selector) VALUES ?", [values]);
    }
  }
}

function where(b: Binds, f: DerivedFilter): string {
  const clauses = [`project_id = ${b.add(f.projectId)}`];
  if (f.pages !== undefined) clauses.push(pagesClause(b, f.pages));
  if (f.fromTs !== undefined) clauses.push(`ts >= ${b.add(f.fromTs)}`);
  if (f.toTs !== undefined) clauses.push(`ts <= ${b.add(f.toTs)}`);
  return clauses.join(" AND ");
}

export async function rageClickSummary(select: Select, f: DerivedFilter): Promise<RageClickSummaryRow[]> {
  const b = new Binds();
  const rows = await select(`SELECT bucket, COUNT(*) AS n, MAX(gy) AS max_gy FROM rage_clicks WHERE ${where(b, f)} GROUP BY bucket ORDER BY bucket`, b.values);
  return rows.map((r: Row) => ({ bucket: str(r.bucket), n: num(r.n), maxGy: num(r.max_gy) }));
}

export async function rageClickCells(select: Select, dialect: Dialect, f: DerivedFilter & { buckets: readonly string[]; cellFactor: number }): Promise<RageClickCellRow[]> {
  const b = new Binds();
  const k = Math.max(1, Math.floor(f.cellFactor));
  const div = (col: string) => intDiv(dialect, col, dialect === "pg" ? `${b.add(k)}::int` : b.add(k));
  const rows = await select(
    `SELECT bucket, ${div("gx")} AS cx, ${div("gy")} AS cy, COUNT(*) AS n FROM rage_clicks
     WHERE ${where(b, f)} AND bucket IN (${b.list(f.buckets)}) GROUP BY bucket, cx, cy`,
    b.values,
  );
  return rows.map((r: Row) => ({ bucket: str(r.bucket), cx: num(r.cx), cy: num(r.cy), n: num(r.n) }));
}
