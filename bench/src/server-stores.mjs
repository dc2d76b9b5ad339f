// @ts-check
/**
 * The server databases the bench runs on: PostgreSQL (`pg`) and MariaDB/MySQL (`mysql`). Admin
 * work (create, drop, list, count) goes through the plain drivers on a connection of its own; the
 * rollup backlog of ours through a second instance of our adapter on the same database.
 * Env: PG_URL (default postgres://postgres@127.0.0.1:5432/test), MARIADB_URL (mysql://root@127.0.0.1:3306/test).
 */
import { benchRequire, rootRequire } from "./common.mjs";
import { serverCpuSeconds } from "./processes.mjs";

/** @typedef {"pg" | "mysql"} Store */
/** @typedef {{ query: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>, close: () => Promise<void> }} Admin */

/** Where each store is reached; the database part names the admin database. */
export const STORE_URLS = {
  pg: process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  mysql: process.env.MARIADB_URL ?? "mysql://root@127.0.0.1:3306/test",
};

/** The server processes of each store, for CPU time from /proc. */
const SERVER_PROCESS_NAMES = { pg: ["postgres"], mysql: ["mariadbd", "mysqld"] };

/** @param {Store} store */
export const isStore = (store) => store === "pg" || store === "mysql";

/** The store's URL with another database. */
export function databaseUrl(/** @type {Store} */ store, /** @type {string} */ db) {
  const u = new URL(STORE_URLS[store]);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * A connection of its own to `db` (default: the admin database). Placeholders: $1… on pg, ? on mysql.
 * @param {Store} store
 * @param {string} [db]
 * @returns {Promise<Admin>}
 */
export async function connectAdmin(store, db) {
  const url = db ? databaseUrl(store, db) : STORE_URLS[store];
  if (store === "pg") {
    const { Client } = benchRequire("pg");
    const client = new Client({ connectionString: url });
    await client.connect();
    return { query: async (sql, params) => (await client.query(sql, params)).rows, close: () => client.end() };
  }
  const mysql = benchRequire("mysql2/promise");
  const conn = await mysql.createConnection({ uri: url, multipleStatements: false });
  return { query: async (sql, params) => /** @type {any} */ ((await conn.query(sql, params))[0]), close: () => conn.end() };
}

/** Runs `fn` on an admin connection and closes it. */
export async function withAdmin(/** @type {Store} */ store, /** @type {string | undefined} */ db, /** @type {(a: Admin) => Promise<any>} */ fn) {
  const admin = await connectAdmin(store, db);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

export const createDatabase = (/** @type {Store} */ store, /** @type {string} */ db) => withAdmin(store, undefined, (a) => a.query(`CREATE DATABASE ${db}`));

export const dropDatabase = (/** @type {Store} */ store, /** @type {string} */ db) =>
  withAdmin(store, undefined, (a) => a.query(store === "pg" ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`));

/** Names of the databases that start with `prefix`. */
export async function databasesLike(/** @type {Store} */ store, /** @type {string} */ prefix) {
  const rows = await withAdmin(store, undefined, (a) =>
    store === "pg"
      ? a.query("SELECT datname AS name FROM pg_database WHERE datname LIKE $1", [`${prefix}%`])
      : a.query("SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?", [`${prefix}%`]),
  );
  return rows.map((r) => String(r.name ?? r.NAME ?? r.SCHEMA_NAME));
}

/** The database server's version string. */
export async function serverVersion(/** @type {Store} */ store) {
  const [row] = await withAdmin(store, undefined, (a) => a.query("SELECT version() AS v"));
  return String(row?.v);
}

/** Rows in a table of `db` (on a connection of its own). */
export async function countRows(/** @type {Store} */ store, /** @type {string} */ db, table = "events") {
  const [row] = await withAdmin(store, db, (a) => a.query(`SELECT count(*) AS n FROM ${table}`));
  return Number(row?.n);
}

/** CPU seconds the database server has used so far (all its processes; see serverCpuSeconds). */
export const databaseCpuSeconds = (/** @type {Store} */ store) => serverCpuSeconds(SERVER_PROCESS_NAMES[store]);

/**
 * Our rollup's deferred work on `db`, read through a second instance of our adapter (never
 * migrated, so it starts no timer of its own): `rollupBacklog()` where the adapter has it (events
 * committed but not folded yet), otherwise the rows of heat_rollup_pending (deltas not folded yet).
 * `fold()` is the adapter's own foldRollup(): everything committed so far.
 * @param {Store} store
 * @param {string} db
 */
export function ourRollup(store, db) {
  const { SequelizeStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sequelize");
  const adapter = new SequelizeStorage({ dialect: store, connectionString: databaseUrl(store, db), poolMax: 2 });
  const hasBacklog = typeof adapter.rollupBacklog === "function";
  return {
    unit: hasBacklog ? "events (rollupBacklog())" : "pending rollup rows (heat_rollup_pending)",
    /** @returns {Promise<number>} */
    backlog: async () => (hasBacklog ? Number(await adapter.rollupBacklog()) : Number((await adapter.sequelize.query("SELECT count(*) AS n FROM heat_rollup_pending", { plain: true }))?.n)),
    /** @returns {Promise<number>} */
    fold: async () => Number(await adapter.foldRollup()),
    close: () => adapter.close(),
  };
}
