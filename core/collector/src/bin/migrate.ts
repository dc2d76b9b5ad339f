#!/usr/bin/env node
/**
 * heat-collector-migrate: creates or upgrades the schema, then exits. Safe to run while collectors
 * start (each adapter migrates under a lock). Env: HEAT_DIALECT (sqlite|pg|mysql, default sqlite),
 * DATABASE_URL (pg, mysql), SQLITE_FILE (sqlite, default ./heat-collector.db).
 */
import type { DbConfig } from "../config";
import { storageFromDb } from "../storage-from-db";

function configFromEnv(env: NodeJS.ProcessEnv): DbConfig {
  const dialect = env.HEAT_DIALECT ?? "sqlite";
  if (dialect === "sqlite") return { dialect, file: env.SQLITE_FILE ?? "./heat-collector.db" };
  if (dialect !== "pg" && dialect !== "mysql") throw new Error(`HEAT_DIALECT must be sqlite, pg or mysql (got "${dialect}")`);
  if (!env.DATABASE_URL) throw new Error(`DATABASE_URL is required when HEAT_DIALECT=${dialect}`);
  return { dialect, connectionString: env.DATABASE_URL };
}

async function main(): Promise<void> {
  const db = configFromEnv(process.env);
  const storage = storageFromDb(db);
  try {
    await storage.migrate();
    console.log(`heat-collector-migrate: ${storage.name} schema is up to date`);
  } finally {
    await storage.close();
  }
}

main().catch((err: unknown) => {
  console.error(`heat-collector-migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
