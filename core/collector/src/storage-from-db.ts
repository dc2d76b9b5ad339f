import type { StorageAdapter } from "@m-software-engineering/heat-collector-kernel";
import type { DbConfig } from "./config";

/** The default adapter for a `db` config: better-sqlite3 for sqlite, Sequelize for pg and mysql. */
export function storageFromDb(db: DbConfig): StorageAdapter {
  if (db.dialect === "sqlite") {
    // Loaded on demand so that a pg or mysql install never needs the native sqlite module.
    const { SqliteStorage } = require("@m-software-engineering/heat-collector-storage-sqlite") as typeof import("@m-software-engineering/heat-collector-storage-sqlite");
    return new SqliteStorage({ file: db.file ?? "./heat-collector.db" });
  }
  if (!db.connectionString) throw new Error(`db.connectionString is required for dialect "${db.dialect}"`);
  const { createSequelizeStorage } = require("@m-software-engineering/heat-collector-storage-sequelize") as typeof import("@m-software-engineering/heat-collector-storage-sequelize");
  return createSequelizeStorage({ dialect: db.dialect, connectionString: db.connectionString });
}
