import { createHash } from "node:crypto";
import type { EventFilter, RollupFilter } from "@m-software-engineering/heat-collector-kernel";
import type { Dialect } from "./connect";

export type Param = string | number | null;

/** Integer division of two integer expressions, as each dialect spells it (MySQL's `/` is decimal). */
export const intDiv = (dialect: Dialect, a: string, b: string | number): string => (dialect === "pg" ? `(${a}) / ${b}` : `(${a}) DIV ${b}`);

/** sessionKey (the kernel's `heat/session-key.ts`: the first 52 bits of the id's MD5) of a session id column, in SQL. */
export const sessionKeySql = (dialect: Dialect, column: string): string =>
  dialect === "pg" ? `('x' || substr(md5(${column}), 1, 13))::bit(52)::bigint` : `CAST(CONV(SUBSTR(MD5(${column}), 1, 13), 16, 10) AS UNSIGNED)`;

/**
 * A text column as a GROUP BY key. MariaDB groups NO PAD binary text (utf8mb4_nopad_bin) in its
 * temporary tables ~9× slower than the same bytes (9.6k sessions: 150 against 17 ms at 1M events);
 * that collation compares bytes, so grouping by the bytes is the same grouping.
 */
export const groupKey = (dialect: Dialect, column: string): string => (dialect === "mysql" ? `CAST(${column} AS BINARY)` : column);

/** A `$n` statement as MySQL's positional `?` form, with each placeholder's value in the order it appears. */
export function positional(sql: string, bind: readonly unknown[]): [string, unknown[]] {
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    values.push(bind[Number(n) - 1]);
    return "?";
  });
  return [text, values];
}

/** Collects bind parameters and hands out their `$n` placeholders (Sequelize maps them to `?` on MySQL). */
export class Binds {
  readonly values: Param[] = [];
  add(v: Param): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
  /** Placeholders for an IN list; an empty list becomes NULL, which matches nothing (as SQLite's `IN ()`). */
  list(vs: readonly Param[]): string {
    return vs.length === 0 ? "NULL" : vs.map((v) => this.add(v)).join(", ");
  }
}

const sha256 = (page: string): string => createHash("sha256").update(page, "utf8").digest("hex");
// A site has few pages and every event names one: the hashes of recent pages are kept, so a
// group of a thousand events hashes its few pages once each.
const HASHES_KEPT = 1024; // at most ~4 MB of keys, pages being cut at 2,048 characters
const recentHashes = new Map<string, string>();

/** Index key for a page: pages are too long to index, so rows carry their SHA-256 as well. */
export function pageHash(page: string): string {
  let hash = recentHashes.get(page);
  if (hash === undefined) {
    if (recentHashes.size >= HASHES_KEPT) recentHashes.clear();
    recentHashes.set(page, (hash = sha256(page)));
  }
  return hash;
}

/** Page equality that can use the page_hash indexes and stays exact. */
export function pageClause(b: Binds, page: string, alias = ""): string {
  return `${alias}page_hash = ${b.add(pageHash(page))} AND ${alias}page = ${b.add(page)}`;
}

/** Membership in a list of pages (a pathPattern's matches): the hashes for the index, the pages for exactness. */
export function pagesClause(b: Binds, pages: readonly string[], alias = ""): string {
  if (pages.length === 1) return pageClause(b, pages[0]!, alias);
  return `${alias}page_hash IN (${b.list(pages.map(pageHash))}) AND ${alias}page IN (${b.list(pages)})`;
}

/** The heat_dims rows a rollup read covers: its project, pages (if any), types and buckets (if any). */
export function dimWhere(b: Binds, f: RollupFilter, buckets?: readonly string[]): string {
  let sql = `project_id = ${b.add(f.projectId)}`;
  if (f.pages !== undefined) sql += ` AND ${pagesClause(b, f.pages)}`;
  sql += ` AND type IN (${b.list(f.types)})`;
  if (buckets !== undefined) sql += ` AND bucket IN (${b.list(buckets)})`;
  return sql;
}

/**
 * `select(condition)` once per range of the filter, UNION ALL: each branch is a range scan of a
 * `(dim, span, t)` key. Joined by OR in one WHERE, the planner read every span of each dimension.
 */
export function perRange(b: Binds, f: RollupFilter, select: (periods: string) => string): string {
  if (f.ranges.length === 0) return select("1 = 0");
  return f.ranges.map((r) => select(`span = ${b.add(r.span)} AND t BETWEEN ${b.add(r.from)} AND ${b.add(r.to)}`)).join(" UNION ALL ");
}

export function eventWhere(b: Binds, f: EventFilter): string {
  const clauses = [`project_id = ${b.add(f.projectId)}`];
  if (f.sessionId !== undefined) clauses.push(`session_id = ${b.add(f.sessionId)}`);
  if (f.userId !== undefined) clauses.push(`user_id = ${b.add(f.userId)}`);
  if (f.pages !== undefined) clauses.push(pagesClause(b, f.pages));
  if (f.types) clauses.push(`type IN (${b.list(f.types)})`);
  if (f.fromTs !== undefined) clauses.push(`ts >= ${b.add(f.fromTs)}`);
  if (f.toTs !== undefined) clauses.push(`ts <= ${b.add(f.toTs)}`);
  return clauses.join(" AND ");
}

/** Splits rows so that no statement binds more than `maxParams` values (PostgreSQL: 65535). */
export function chunks<T>(rows: readonly T[], paramsPerRow: number, maxParams = 30_000): T[][] {
  const size = Math.max(1, Math.floor(maxParams / paramsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
