import type { DbConfig } from "../config";

/** The database the CLIs work on: HEAT_DIALECT (sqlite|pg|mysql), DATABASE_URL, SQLITE_FILE. */
export function dbFromEnv(env: NodeJS.ProcessEnv = process.env): DbConfig {
  const dialect = env.HEAT_DIALECT ?? "sqlite";
  if (dialect === "sqlite") return { dialect, file: env.SQLITE_FILE ?? "./heat-collector.db" };
  if (dialect !== "pg" && dialect !== "mysql") throw new Error(`HEAT_DIALECT must be sqlite, pg or mysql (got "${dialect}")`);
  if (!env.DATABASE_URL) throw new Error(`DATABASE_URL is required when HEAT_DIALECT=${dialect}`);
  return { dialect, connectionString: env.DATABASE_URL };
}
