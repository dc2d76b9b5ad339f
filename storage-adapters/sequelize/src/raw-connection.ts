import type { Sequelize } from "sequelize";
import type { Dialect } from "./connect";
import { withArrayLiterals } from "./pg-binds";
import type { Row } from "./rows";

/**
 * A driver connection borrowed from Sequelize's pool, for the hot paths (group commit, fold): no
 * Sequelize query building, array binds on PostgreSQL, client-side escaping on MySQL (mysql2
 * `query`, never `execute`: every group's statement text differs, and prepared statements would
 * pile up in the driver's cache).
 */
export interface RawConnection {
  /** Rows of a statement (an empty list for statements that return none). */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

interface PgClient {
  query(config: { text: string; values?: unknown[] }): Promise<{ rows: Row[]; rowCount: number | null }>;
}
interface MysqlConnection {
  query(sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void): void;
}

function wrap(dialect: Dialect, conn: unknown): RawConnection {
  if (dialect === "pg") {
    const client = conn as PgClient;
    return {
      query: async (text, values) => (await client.query({ text, values: withArrayLiterals(values) })).rows,
      run: async (text, values) => (await client.query({ text, values: withArrayLiterals(values) })).rowCount ?? 0,
    };
  }
  const c = conn as MysqlConnection;
  const call = (sql: string, values: readonly unknown[] = []) =>
    new Promise<unknown>((resolve, reject) => c.query(sql, values as unknown[], (err, result) => (err ? reject(err) : resolve(result))));
  return {
    query: async (sql, values) => {
      const r = await call(sql, values);
      return Array.isArray(r) ? (r as Row[]) : [];
    },
    run: async (sql, values) => Number((await call(sql, values) as { affectedRows?: number }).affectedRows ?? 0),
  };
}

/** MySQL/MariaDB connections already switched to READ COMMITTED (see withConnection). */
const readCommitted = new WeakSet<object>();

/**
 * Runs `fn` on a pooled connection. Waiting for one is bounded by the pool's acquire timeout (the
 * write then rejects, and the kernel answers 503). A connection whose state is unknown after a
 * failure (a ROLLBACK that failed, say) is destroyed instead of going back to the pool.
 */
export async function withConnection<T>(db: Sequelize, dialect: Dialect, fn: (c: RawConnection) => Promise<T>): Promise<T> {
  const cm = db.connectionManager;
  const conn = (await cm.getConnection({ type: "write" })) as object;
  const raw = wrap(dialect, conn);
  let healthy = true;
  try {
    if (dialect === "mysql" && !readCommitted.has(conn)) {
      // READ COMMITTED, as on PostgreSQL: no gap locks between concurrent groups; idempotency rests
      // on the unique key, which locks the same way at every level.
      await raw.run("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
      readCommitted.add(conn);
    }
    return await fn({
      query: raw.query,
      run: async (sql, params) => {
        try {
          return await raw.run(sql, params);
        } catch (err) {
          if (/^(ROLLBACK|COMMIT)/.test(sql)) healthy = false;
          throw err;
        }
      },
    });
  } catch (err) {
    if (isConnectionError(err)) healthy = false;
    throw err;
  } finally {
    if (healthy) cm.releaseConnection(conn as never);
    else await cm.destroyConnection(conn as never).catch(() => undefined);
  }
}

/** Runs `fn` in one transaction on `c`: COMMIT if it returns (after `beforeCommit`), ROLLBACK if it throws. */
export async function inTransaction<T>(c: RawConnection, fn: () => Promise<T>, beforeCommit?: () => void): Promise<T> {
  await c.run("BEGIN");
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    // A ROLLBACK that fails leaves the connection in an unknown state: withConnection destroys it.
    await c.run("ROLLBACK").catch(() => undefined);
    throw err;
  }
  beforeCommit?.();
  await c.run("COMMIT");
  return result;
}

interface DriverError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  parent?: DriverError;
}

const driverError = (err: unknown): DriverError => {
  const e = (err ?? {}) as DriverError;
  return e.parent ?? e;
};

/** Deadlock (PG 40P01, MySQL 1213), serialization failure (40001) or lock wait timeout (1205): try again. */
export function isRetryable(err: unknown): boolean {
  const e = driverError(err);
  return e.code === "40P01" || e.code === "40001" || e.errno === 1213 || e.errno === 1205;
}

/**
 * A failure of the connection or the server rather than of one statement's data: retrying batch
 * by batch on the same connection would fail alike. PostgreSQL reports statement failures with a
 * SQLSTATE (five characters) outside classes 08 (connection) and 57 (operator intervention);
 * mysql2 flags connection failures as fatal.
 */
export function isConnectionError(err: unknown): boolean {
  const e = driverError(err);
  if (typeof e.errno === "number" || e.fatal !== undefined) return e.fatal === true;
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return /^(08|57)/.test(e.code);
  return true;
}
