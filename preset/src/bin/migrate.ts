#!/usr/bin/env node
/**
 * heat-collector-migrate: creates or upgrades the schema, then exits. Safe to run while collectors
 * start (each adapter migrates under a lock). Env: HEAT_DIALECT (sqlite|pg|mysql, default sqlite),
 * DATABASE_URL (pg, mysql), SQLITE_FILE (sqlite, default ./heat-collector.db).
 */
import { storageFromDb } from "../storage-from-db";
import { dbFromEnv } from "./env";

async function main(): Promise<void> {
  const db = dbFromEnv();
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
