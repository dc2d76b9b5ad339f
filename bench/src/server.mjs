// @ts-check
/**
 * One collector in its own process: `node server.mjs <ours|baseline|bare> <port> <target>`, target
 * being a SQLite file or a database URL (postgres://… or mysql://…). Reports {ready:true} over IPC
 * once listening, or {error} if it cannot start; SIGTERM closes the collector (ours flushes its
 * rollup) and exits.
 */
import { INGEST_KEY, PROJECT_ID, READ_TOKEN, benchRequire, describeError, rootRequire } from "./common.mjs";

const [kind, portArg, target] = process.argv.slice(2);
const port = Number(portArg);

/** The `db` option both collectors take: the same shape in ours and in 0.3.7. */
function dbConfig() {
  const scheme = /^(postgres|mysql):\/\//.exec(target)?.[1];
  if (scheme === undefined) return { dialect: /** @type {const} */ ("sqlite"), file: target };
  return { dialect: scheme === "postgres" ? /** @type {const} */ ("pg") : /** @type {const} */ ("mysql"), connectionString: target };
}

/** @returns {Promise<{ app: import("express").Express, close: () => Promise<void> }>} */
async function build() {
  if (kind === "ours") {
    const express = rootRequire("express");
    const { createCollector } = rootRequire("@m-software-engineering/heat-collector");
    const collector = await createCollector({
      db: dbConfig(),
      auth: { mode: "projectKey" },
      logging: { level: "error" },
      ingestion: { rateLimit: false },
      projects: [{ id: PROJECT_ID, name: "Bench", key: INGEST_KEY, readTokens: [READ_TOKEN] }],
    });
    const app = express();
    app.use(collector.router);
    return { app, close: () => collector.close() };
  }
  if (kind === "baseline") {
    const express = benchRequire("express");
    const { createCollector } = await import("heat-collector-baseline");
    const collector = await createCollector({
      db: dbConfig(),
      auth: { mode: "projectKey" },
      autoMigrate: true,
      logging: { level: "error" },
      ingestion: { rateLimit: { windowMs: 1000, max: 1e12 } },
    });
    const app = express();
    app.use(collector.router);
    return { app, close: async () => undefined };
  }
  if (kind === "bare") {
    // The floor: Express + express.json with the same body limit, no storage.
    const express = benchRequire("express");
    const app = express();
    app.post("/ingest", express.json({ limit: 1_000_000 }), (req, res) => {
      res.json({ ok: true, events: Array.isArray(req.body?.events) ? req.body.events.length : 0 });
    });
    app.get("/api/metrics", (_req, res) => res.json({ ok: true }));
    return { app, close: async () => undefined };
  }
  throw new Error(`unknown server kind ${kind}`);
}

const built = await build().catch((/** @type {any} */ err) => {
  // The runner records why a system could not start (0.3.7 on MariaDB, for one).
  process.send?.({ error: `${kind} failed to start: ${describeError(err)}` }, () => process.exit(1));
  return undefined;
});
if (!built) await new Promise(() => undefined); // exits once the error is sent
const { app, close } = /** @type {NonNullable<typeof built>} */ (built);
const server = app.listen(port, "127.0.0.1", () => process.send?.({ ready: true, pid: process.pid }));
server.keepAliveTimeout = 60_000;
process.on("SIGTERM", () => {
  server.close();
  close().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
