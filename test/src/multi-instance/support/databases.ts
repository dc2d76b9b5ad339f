/**
 * The databases the multi-instance suites run on: PostgreSQL and MariaDB, a fresh database per
 * suite (random name) dropped afterwards, made with the conformance suite's helpers.
 */
import type { Dialect } from "@m-software-engineering/heat-collector-storage-sequelize";
import { admin, freshDatabase, MARIADB_URL, PG_URL, type Row } from "../../conformance/stores";

export interface SharedDatabase {
  url: string;
  query(sql: string): Promise<Row[]>;
  drop(): Promise<void>;
}

export interface DatabaseTarget {
  name: string;
  dialect: Dialect;
  probe(): Promise<unknown>;
  create(): Promise<SharedDatabase>;
}

function target(name: string, dialect: Dialect, serverUrl: string): DatabaseTarget {
  return {
    name,
    dialect,
    probe: () => admin(dialect, serverUrl, (run) => run("SELECT 1")),
    async create() {
      const { url, drop } = await freshDatabase(dialect, serverUrl, "hc_multi");
      return { url, drop, query: (sql) => admin(dialect, url, (run) => run(sql)) };
    },
  };
}

export const DATABASES: DatabaseTarget[] = [target("PostgreSQL", "pg", PG_URL), target("MariaDB", "mysql", MARIADB_URL)];
