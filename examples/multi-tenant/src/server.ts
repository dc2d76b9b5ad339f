/**
 * One collector, several tenants (tenants.ts), all registered at start (idempotent).
 * Env: PORT (default 3000), SQLITE_FILE (default ./multi-tenant.db).
 */
import express from "express";
import { createCollector } from "@m-software-engineering/heat-collector";
import { TENANTS } from "./tenants";

async function main(): Promise<void> {
  const collector = await createCollector({
    db: { dialect: "sqlite", file: process.env.SQLITE_FILE ?? "./multi-tenant.db" },
    auth: { mode: "projectKey" },
    projects: TENANTS,
    logging: { level: "warn" },
  });
  const app = express();
  app.use(collector.router);
  const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
    console.log(`heat-collector for ${TENANTS.map((t) => t.id).join(", ")} listening on http://127.0.0.1:${process.env.PORT ?? 3000}`);
  });
  const stop = () => {
    server.close();
    void collector.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
