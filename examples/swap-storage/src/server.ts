/**
 * One collector app on either storage package. The adapter is built in one line; nothing else in
 * this file knows which database it talks to. With --serve it keeps listening; otherwise it sends
 * one demo batch to itself, prints the click heatmap, and exits.
 * Env: STORE (sqlite|pg|mysql, default sqlite), SQLITE_FILE, DATABASE_URL, PORT (default 3000).
 */
import express from "express";
import { createCollector, type StorageAdapter } from "@m-software-engineering/heat-collector";
import { SqliteStorage } from "@m-software-engineering/heat-collector-storage-sqlite";
import { createSequelizeStorage } from "@m-software-engineering/heat-collector-storage-sequelize";

const stores = {
  sqlite: () => new SqliteStorage({ file: process.env.SQLITE_FILE ?? "./swap-storage.db" }),
  pg: () => createSequelizeStorage({ dialect: "pg", connectionString: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test" }),
  mysql: () => createSequelizeStorage({ dialect: "mysql", connectionString: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test" }),
};

// ↓ The one line that picks the store.
const storage: StorageAdapter = stores[(process.env.STORE ?? "sqlite") as keyof typeof stores]();

// Demo secrets only: real ones come from `generateSecret` and stay out of source control.
const PROJECT = { id: "swap-demo", key: "hk_swap_demo_key_0123456789abcdef", readTokens: ["hr_swap_demo_read_0123456789abcdef"] };

async function main(): Promise<void> {
  const collector = await createCollector({ storage, auth: { mode: "projectKey" }, projects: [PROJECT], logging: { level: "warn" } });
  const app = express();
  app.use(collector.router);
  const server = app.listen(Number(process.env.PORT ?? 3000));
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 3000}`;
  console.log(`heat-collector on ${storage.name}, listening on ${base}`);
  if (process.argv.includes("--serve")) return;

  const now = Date.now();
  const click = (i: number) => ({
    type: "click", eventId: `swap-${now}-${i}`, sessionId: `swap-${now}`, ts: now + i, path: "/", x: 100 + i * 8, y: 200,
    viewport: { w: 1280, h: 720 }, device: {},
  });
  const reply = await fetch(`${base}/ingest`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-project-key": PROJECT.key },
    body: JSON.stringify({ session: { id: `swap-${now}` }, events: [0, 1, 2].map(click) }),
  });
  console.log("ingest:", await reply.json());
  const read = await fetch(`${base}/api/projects/${PROJECT.id}/heatmap?type=click`, { headers: { authorization: `Bearer ${PROJECT.readTokens[0]}` } });
  const heatmap = (await read.json()) as { meta: { total: number } };
  console.log("click heatmap total:", heatmap.meta.total);
  server.close();
  await collector.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
