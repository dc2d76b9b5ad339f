import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express, { type Express } from "express";
import { createCollector, type Collector, type CollectorConfig } from "@m-software-engineering/heat-collector";

export const PROJECT = { id: "shop", key: "hk_test_shop_key_0123456789abcdef" };
export const OTHER_PROJECT = { id: "blog", key: "hk_test_blog_key_0123456789abcdef" };

/** A throwaway directory removed by the returned cleanup. */
export function tempDir(prefix = "heat-collector-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestCollector {
  app: Express;
  collector: Collector;
  close(): Promise<void>;
}

type Overrides = Partial<Omit<CollectorConfig, "db" | "storage">> & Pick<Partial<CollectorConfig>, "db" | "storage">;

/** A collector on a fresh SQLite file (unless `storage`/`db` is given), with two projects registered. */
export async function startCollector(overrides: Overrides = {}): Promise<TestCollector> {
  const tmp = tempDir();
  const storagePart = overrides.storage ? { storage: overrides.storage } : { db: overrides.db ?? { dialect: "sqlite" as const, file: join(tmp.dir, "heat.db") } };
  const collector = await createCollector({
    auth: { mode: "projectKey" },
    logging: { level: "error" },
    ingestion: { rateLimit: false },
    // Contract suites read openly; test/src/security covers authenticated reads.
    queryAuth: false,
    projects: [PROJECT, OTHER_PROJECT],
    ...overrides,
    ...storagePart,
  } as CollectorConfig);
  const app = express();
  app.set("trust proxy", false);
  app.use(collector.router);
  return {
    app,
    collector,
    async close() {
      await collector.close();
      tmp.cleanup();
    },
  };
}
