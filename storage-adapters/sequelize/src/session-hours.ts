import type { ElementFilter, ElementRow, SeriesFilter, SeriesRow } from "@m-software-engineering/heat-collector-kernel";
import type { Dialect } from "./connect";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { readJournal, type JournalActivity, type JournalElement } from "./heat-journal";
import type { Select } from "./heat-reads";
import type { RawConnection } from "./raw-connection";
import { num, type Row } from "./rows";
import { Binds, pageHash, pagesClause } from "./sql";

const HOUR_MS = 3_600_000;

/** Integer division, as each dialect spells it (MySQL's `/` is decimal). */
const div = (dialect: Dialect, a: string, b: number): string => (dialect === "pg" ? `${a} / ${b}` : `${a} DIV ${b}`);

/** Adds the journal rows' activity to session_hours, merged per key and written in key order; inside the fold's transaction. */
export async function foldActivity(c: RawConnection, dialect: Dialect, rows: ReadonlyArray<{ projectId: string; activity: readonly JournalActivity[] }>): Promise<void> {
  const merged = new Map<string, [string, number, string, string, string, string, number, number]>();
  for (const row of rows) {
    for (const a of row.activity) {
      const hash = pageHash(a.page);
      const key = `${row.projectId}\u0000${String(a.hour).padStart(16, "0")}\u0000${hash}\u0000${a.bucket}\u0000${a.sessionId}`;
      const m = merged.get(key);
      if (m) {
        m[6] += a.events;
        m[7] += a.clicks;
      } else merged.set(key, [row.projectId, a.hour, hash, a.page, a.bucket, a.sessionId, a.events, a.clicks]);
    }
  }
  if (merged.size === 0) return;
  const values = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  if (dialect === "pg") {
    await c.run(
      `INSERT INTO session_hours (project_id, hour, page_hash, page, bucket, session_id, events, clicks)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[])
       ON CONFLICT (project_id, hour, page_hash, bucket, session_id) DO UPDATE SET events = session_hours.events + EXCLUDED.events, clicks = session_hours.clicks + EXCLUDED.clicks`,
      values[0]!.map((_, k) => values.map((v) => v[k])),
    );
    return;
  }
  for (let i = 0; i < values.length; i += 2000) {
    await c.run(
      `INSERT INTO session_hours (project_id, hour, page_hash, page, bucket, session_id, events, clicks) VALUES ?
       ON DUPLICATE KEY UPDATE events = events + VALUES(events), clicks = clicks + VALUES(clicks)`,
      [values.slice(i, i + 2000)],
    );
  }
}

/** Adds the journal rows' element clicks to element_hours, merged per key and written in key order; inside the fold's transaction. */
export async function foldElements(c: RawConnection, dialect: Dialect, rows: ReadonlyArray<{ projectId: string; elements: readonly JournalElement[] }>): Promise<void> {
  const merged = new Map<string, [string, number, string, string, string, string, string, string, number]>();
  for (const row of rows) {
    for (const a of row.elements) {
      const hash = pageHash(a.page);
      const selHash = pageHash(a.selector);
      const key = `${row.projectId}\u0000${String(a.hour).padStart(16, "0")}\u0000${hash}\u0000${a.bucket}\u0000${selHash}\u0000${a.sessionId}`;
      const m = merged.get(key);
      if (m) m[8] += a.clicks;
      else merged.set(key, [row.projectId, a.hour, hash, a.page, a.bucket, selHash, a.selector, a.sessionId, a.clicks]);
    }
  }
  if (merged.size === 0) return;
  const values = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  if (dialect === "pg") {
    await c.run(
      `INSERT INTO element_hours (project_id, hour, page_hash, page, bucket, selector_hash, selector, session_id, clicks)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
       ON CONFLICT (project_id, hour, page_hash, bucket, selector_hash, session_id) DO UPDATE SET clicks = element_hours.clicks + EXCLUDED.clicks`,
      values[0]!.map((_, k) => values.map((v) => v[k])),
    );
    return;
  }
  for (let i = 0; i < values.length; i += 1000) {
    await c.run(
      `INSERT INTO element_hours (project_id, hour, page_hash, page, bucket, selector_hash, selector, session_id, clicks) VALUES ?
       ON DUPLICATE KEY UPDATE clicks = clicks + VALUES(clicks)`,
      [values.slice(i, i + 1000)],
    );
  }
}

/** Migration 7's data step: the clicks with a selector already stored, counted per key, less what unfolded journal rows will add. */
export async function backfillElements(sequelize: Sequelize, dialect: Dialect, transaction: Transaction): Promise<void> {
  const hour = div(dialect, "ts", HOUR_MS);
  const selector = dialect === "pg" ? "(data::jsonb ->> 'selector')" : "JSON_UNQUOTE(JSON_EXTRACT(data, '$.selector'))";
  const isText = dialect === "pg" ? "jsonb_typeof(data::jsonb -> 'selector') = 'string'" : "JSON_TYPE(JSON_EXTRACT(data, '$.selector')) = 'STRING'";
  const hash = dialect === "pg" ? `encode(sha256(convert_to(${selector}, 'UTF8')), 'hex')` : `SHA2(${selector}, 256)`;
  await sequelize.query(
    `INSERT INTO element_hours (project_id, hour, page_hash, page, bucket, selector_hash, selector, session_id, clicks)
     SELECT project_id, ${hour}, page_hash, page, bucket, ${hash}, ${selector}, session_id, COUNT(*) FROM events
     WHERE type = 'click' AND ${isText}
     GROUP BY project_id, ${hour}, page_hash, page, bucket, ${selector}, session_id`,
    { transaction },
  );
  const rows = await sequelize.query<Row>("SELECT project_id, body FROM heat_journal", { type: QueryTypes.SELECT, transaction });
  for (const row of rows) {
    const projectId = Buffer.isBuffer(row.project_id) ? row.project_id.toString("utf8") : String(row.project_id);
    for (const a of readJournal(row.body as Buffer).elements) {
      await sequelize.query(
        "UPDATE element_hours SET clicks = clicks - $1 WHERE project_id = $2 AND hour = $3 AND page_hash = $4 AND bucket = $5 AND selector_hash = $6 AND session_id = $7",
        { bind: [a.clicks, projectId, a.hour, pageHash(a.page), a.bucket, pageHash(a.selector), a.sessionId], transaction },
      );
    }
  }
}

/** The element ranking (see StorageAdapter.topElements), aggregated by the database. */
export async function topElements(select: Select, dialect: Dialect, f: ElementFilter): Promise<{ rows: ElementRow[]; totalClicks: number }> {
  const where = (b: Binds, byTs: boolean) => {
    const width = dialect === "pg" ? "split_part(bucket, 'x', 1)::int" : "CAST(SUBSTRING_INDEX(bucket, 'x', 1) AS UNSIGNED)";
    const clauses = [`project_id = ${b.add(f.projectId)}`];
    if (f.pages !== undefined) clauses.push(pagesClause(b, f.pages));
    if (f.widthMin !== undefined) clauses.push(`${width} >= ${b.add(f.widthMin)}`);
    if (f.widthMax !== undefined) clauses.push(`${width} <= ${b.add(f.widthMax)}`);
    if (f.fromHour !== undefined) clauses.push(byTs ? `ts >= ${b.add(f.fromHour * HOUR_MS)}` : `hour >= ${b.add(f.fromHour)}`);
    if (f.toHour !== undefined) clauses.push(byTs ? `ts < ${b.add((f.toHour + 1) * HOUR_MS)}` : `hour <= ${b.add(f.toHour)}`);
    return clauses.join(" AND ");
  };
  const b = new Binds();
  // Grouped by the selector's hash (indexable, short), its text carried along; ties broken by the text.
  const top = await select(
    `SELECT MIN(selector) AS selector, SUM(clicks) AS clicks, COUNT(DISTINCT session_id) AS sessions FROM element_hours WHERE ${where(b, false)}
     GROUP BY selector_hash ORDER BY clicks DESC, selector LIMIT ${Math.max(1, Math.floor(f.limit))}`,
    b.values,
  );
  const t = new Binds();
  const [total] = await select(`SELECT COALESCE(SUM(clicks), 0) AS n FROM session_hours WHERE ${where(t, false)}`, t.values);
  const rage = new Map<string, number>();
  if (top.length > 0) {
    const r = new Binds();
    const selectors = top.map((x) => (Buffer.isBuffer(x.selector) ? x.selector.toString("utf8") : String(x.selector)));
    const rows = await select(`SELECT selector, COUNT(*) AS n FROM rage_clicks WHERE ${where(r, true)} AND selector IN (${r.list(selectors)}) GROUP BY selector`, r.values);
    for (const x of rows) rage.set(Buffer.isBuffer(x.selector) ? x.selector.toString("utf8") : String(x.selector), num(x.n));
  }
  return {
    rows: top.map((x) => {
      const selector = Buffer.isBuffer(x.selector) ? x.selector.toString("utf8") : String(x.selector);
      return { selector, clicks: num(x.clicks), sessions: num(x.sessions), rageClicks: rage.get(selector) ?? 0 };
    }),
    totalClicks: num(total?.n ?? 0),
  };
}

/**
 * Migration 6's second step: the backfill counted every committed event, including those of
 * journal rows not folded yet; the fold will add those rows' activity (if they carry it), so it is
 * taken off here once, and every event ends up counted exactly once.
 */
export async function unfoldedActivity(sequelize: Sequelize, transaction: Transaction): Promise<void> {
  const rows = await sequelize.query<Row>("SELECT project_id, body FROM heat_journal", { type: QueryTypes.SELECT, transaction });
  for (const row of rows) {
    const projectId = Buffer.isBuffer(row.project_id) ? row.project_id.toString("utf8") : String(row.project_id);
    for (const a of readJournal(row.body as Buffer).activity) {
      await sequelize.query(
        "UPDATE session_hours SET events = events - $1, clicks = clicks - $2 WHERE project_id = $3 AND hour = $4 AND page_hash = $5 AND bucket = $6 AND session_id = $7",
        { bind: [a.events, a.clicks, projectId, a.hour, pageHash(a.page), a.bucket, a.sessionId], transaction },
      );
    }
  }
}

/** Migration 6's data step: the events already stored, counted per (project, hour, page, bucket, session). */
export function backfillSql(dialect: Dialect): string {
  const hour = div(dialect, "ts", HOUR_MS);
  return `INSERT INTO session_hours (project_id, hour, page_hash, page, bucket, session_id, events, clicks)
    SELECT project_id, ${hour}, page_hash, page, bucket, session_id, COUNT(*), SUM(CASE WHEN type = 'click' THEN 1 ELSE 0 END)
    FROM events GROUP BY project_id, ${hour}, page_hash, page, bucket, session_id`;
}

/** A trend line (see StorageAdapter.timeseries), aggregated by the database. */
export async function timeseries(select: Select, dialect: Dialect, f: SeriesFilter): Promise<SeriesRow[]> {
  const b = new Binds();
  const rage = f.metric === "rageclicks";
  const hour = rage ? div(dialect, "ts", HOUR_MS) : "hour";
  const width = dialect === "pg" ? "split_part(bucket, 'x', 1)::int" : "CAST(SUBSTRING_INDEX(bucket, 'x', 1) AS UNSIGNED)";
  const clauses = [`project_id = ${b.add(f.projectId)}`];
  if (f.pages !== undefined) clauses.push(pagesClause(b, f.pages));
  if (f.widthMin !== undefined) clauses.push(`${width} >= ${b.add(f.widthMin)}`);
  if (f.widthMax !== undefined) clauses.push(`${width} <= ${b.add(f.widthMax)}`);
  if (f.fromHour !== undefined) clauses.push(rage ? `ts >= ${b.add(f.fromHour * HOUR_MS)}` : `hour >= ${b.add(f.fromHour)}`);
  if (f.toHour !== undefined) clauses.push(rage ? `ts < ${b.add((f.toHour + 1) * HOUR_MS)}` : `hour <= ${b.add(f.toHour)}`);
  const period = f.interval === "hour" ? hour : div(dialect, `(${hour})`, 24);
  const value = rage ? "COUNT(*)" : f.metric === "sessions" ? "COUNT(DISTINCT session_id)" : f.metric === "clicks" ? "SUM(clicks)" : "SUM(events)";
  const rows = await select(
    `SELECT ${period} AS period, ${value} AS value FROM ${rage ? "rage_clicks" : "session_hours"} WHERE ${clauses.join(" AND ")} GROUP BY ${period} ORDER BY period`,
    b.values,
  );
  return rows.map((r: Row) => ({ period: num(r.period), value: num(r.value) }));
}
