import type { RageClickRule, StorageAdapter } from "@m-software-engineering/heat-collector-kernel";
import type { DbConfig } from "./config";

/** The default adapter for a `db` config: better-sqlite3 for sqlite, Sequelize for pg and mysql. */
export function storageFromDb(db: DbConfig, options: { rageClicks?: Partial<RageClickRule> } = {}): StorageAdapter {
  if (db.dialect === "sqlite") {
    // Loaded on demand so that a pg or mysql install never needs the native sqlite module.
    let sqlite: typeof import("@m-software-engineering/heat-collector-storage-sqlite");
    try {
      sqlite = require("@m-software-engineering/heat-collector-storage-sqlite") as typeof sqlite;
    } catch (err) {
      // better-sqlite3 is an optional peer (a PostgreSQL or MySQL install goes without it): say what to install.
      if ((err as { code?: string }).code === "MODULE_NOT_FOUND" && String(err).includes("better-sqlite3")) {
        throw new Error('db.dialect "sqlite" needs the better-sqlite3 package: npm install better-sqlite3', { cause: err });
      }
      throw err;
    }
    return new sqlite.SqliteStorage({ file: db.file ?? "./heat-collector.db", ...(options.rageClicks && { rageClicks: options.rageClicks }) });
  }
  if (!db.connectionString) throw new Error(`db.connectionString is required for dialect "${db.dialect}"`);
  const { createSequelizeStorage } = require("@m-software-engineering/heat-collector-storage-sequelize") as typeof import("@m-software-engineering/heat-collector-storage-sequelize");
  return createSequelizeStorage({ dialect: db.dialect, connectionString: db.connectionString, ...(options.rageClicks && { rageClicks: options.rageClicks }) });
}
