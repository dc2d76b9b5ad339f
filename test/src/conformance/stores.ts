/**
 * The stores the conformance suite runs against. Each run gets its own database (a fresh SQLite
 * file, a fresh PostgreSQL database, a fresh MariaDB database, random names) dropped afterwards, so
 * parallel runs and reruns never collide.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { StorageAdapter } from "@m-software-engineering/heat-collector-kernel";
import { SqliteStorage } from "@m-software-engineering/heat-collector-storage-sqlite";
import { SequelizeStorage, type Dialect } from "@m-software-engineering/heat-collector-storage-sequelize";
import { tempDir } from "../helpers/collector";

export type Row = Record<string, unknown>;

export interface Store {
  /** A new adapter on this store's database (not migrated); tearDown closes any left open. */
  adapter(): StorageAdapter;
  /** Runs SQL in this store's database on a connection of its own (DDL for the failure trigger). */
  query(sql: string): Promise<Row[]>;
  /** SQL that makes any later insert of a session whose first path is '/explode' fail. */
  readonly failTrigger: string[];
  tearDown(): Promise<void>;
}

export interface StoreTarget {
  name: string;
  /** Service the store needs (for requireService), with a probe; undefined for embedded SQLite. */
  service?: { name: string; probe(): Promise<unknown> };
  setUp(): Promise<Store>;
}

export const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MARIADB_URL = process.env.MARIADB_URL ?? "mysql://root@127.0.0.1:3306/test";

const withDatabase = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

/** Admin work (probe, CREATE/DROP DATABASE) on the `test` database, through the adapter's own Sequelize. */
export async function admin<T>(dialect: Dialect, url: string, fn: (run: (sql: string) => Promise<Row[]>) => Promise<T>): Promise<T> {
  const s = new SequelizeStorage({ dialect, connectionString: url, poolMax: 1 });
  try {
    return await fn(async (sql) => (await s.sequelize.query(sql, { raw: true }))[0] as Row[]);
  } finally {
    await s.close();
  }
}

/** A new database with a random name on the server at `serverUrl`: its URL, and how to drop it. */
export async function freshDatabase(dialect: Dialect, serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const db = `${prefix}_${randomBytes(6).toString("hex")}`;
  await admin(dialect, serverUrl, (run) => run(`CREATE DATABASE ${db}`));
  return {
    url: withDatabase(serverUrl, db),
    drop: async () => {
      await admin(dialect, serverUrl, (run) => run(dialect === "pg" ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`));
    },
  };
}

/** A fresh database (random name) on a Sequelize server, and how to drop it. */
export async function createSequelizeDatabase(dialect: Dialect, url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const db = `hc_conf_${randomBytes(6).toString("hex")}`;
  await admin(dialect, url, (run) => run(`CREATE DATABASE ${db}`));
  return {
    url: withDatabase(url, db),
    drop: () => admin(dialect, url, (run) => run(dialect === "pg" ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`)).then(() => undefined),
  };
}

/** The Sequelize servers, for suites that test that adapter alone. */
export const SEQUELIZE_SERVERS: Array<{ name: string; dialect: Dialect; url: string; failTrigger: string[]; probe(): Promise<unknown> }> = [];

function sequelizeTarget(name: string, dialect: Dialect, url: string, failTrigger: string[]): StoreTarget {
  SEQUELIZE_SERVERS.push({ name, dialect, url, failTrigger, probe: () => admin(dialect, url, (run) => run("SELECT 1")) });
  return {
    name,
    service: { name, probe: () => admin(dialect, url, (run) => run("SELECT 1")) },
    async setUp() {
      const { url: dbUrl, drop } = await freshDatabase(dialect, url, "hc_conf");
      const opened: StorageAdapter[] = [];
      return {
        adapter: () => {
          const a = new SequelizeStorage({ dialect, connectionString: dbUrl });
          opened.push(a);
          return a;
        },
        failTrigger,
        async query(sql) {
          return admin(dialect, dbUrl, (run) => run(sql));
        },
        async tearDown() {
          await Promise.all(opened.map((a) => a.close()));
          await drop();
        },
      };
    },
  };
}

export const TARGETS: StoreTarget[] = [
  {
    name: "sqlite (better-sqlite3)",
    async setUp() {
      const tmp = tempDir("heat-conformance-");
      const file = join(tmp.dir, "heat.db");
      const opened: StorageAdapter[] = [];
      return {
        adapter: () => {
          const a = new SqliteStorage({ file });
          opened.push(a);
          return a;
        },
        failTrigger: [
          `CREATE TRIGGER explode BEFORE INSERT ON sessions WHEN NEW.first_path = '/explode' BEGIN SELECT RAISE(ABORT, 'exploding session'); END`,
        ],
        async query(sql) {
          const db = new Database(file);
          try {
            const st = db.prepare(sql);
            return st.reader ? (st.all() as Row[]) : (st.run(), []);
          } finally {
            db.close();
          }
        },
        async tearDown() {
          await Promise.all(opened.map((a) => a.close()));
          tmp.cleanup();
        },
      };
    },
  },
  sequelizeTarget("sequelize on PostgreSQL", "pg", PG_URL, [
    `CREATE FUNCTION explode() RETURNS trigger AS $$ BEGIN
       IF NEW.first_path = '/explode' THEN RAISE EXCEPTION 'exploding session'; END IF; RETURN NEW;
     END $$ LANGUAGE plpgsql`,
    "CREATE TRIGGER explode BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION explode()",
  ]),
  sequelizeTarget("sequelize on MariaDB", "mysql", MARIADB_URL, [
    `CREATE TRIGGER explode BEFORE INSERT ON sessions FOR EACH ROW BEGIN
       IF NEW.first_path = '/explode' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'exploding session'; END IF;
     END`,
  ]),
];
