// @ts-check
/**
 * One collector in its own process: `node server.mjs <ours|production|baseline|bare> <port> <target>`,
 * target being a SQLite file or a database URL (postgres://… or mysql://…). Reports {ready:true} over
 * IPC once listening, or {error} if it cannot start; SIGTERM closes the collector (ours flushes its
 * rollup) and exits. `production` is ours as README's "Running in production" deploys it: the default
 * rate limit counted in Redis (env BENCH_REDIS_URL, default redis://127.0.0.1:6379; BENCH_RATE_LIMIT_PREFIX,
 * shared by the instances of one run) and Prometheus metrics at /metrics (METRICS_TOKEN); with
 * BENCH_JETSTREAM (the plugin's options as JSON), the JetStream ingest buffer too.
 */
import { INGEST_KEY, METRICS_TOKEN, PROJECT_ID, READ_TOKEN, benchRequire, describeError, rootRequire } from "./common.mjs";

const [kind, portArg, target] = process.argv.slice(2);
const port = Number(portArg);

/** The `db` option both collectors take: the same shape in ours and in 0.3.7. */
function dbConfig() {
  const scheme = /^(postgres|mysql):\/\//.exec(target)?.[1];
  if (scheme === undefined) return { dialect: /** @type {const} */ ("sqlite"), file: target };
  return { dialect: scheme === "postgres" ? /** @type {const} */ ("pg") : /** @type {const} */ ("mysql"), connectionString: target };
}

/** Prometheus, and the JetStream buffer when BENCH_JETSTREAM holds its options (JSON). */
function productionPlugins() {
  const plugins = [rootRequire("@m-software-engineering/heat-collector-prometheus").prometheus({ token: METRICS_TOKEN })];
  const jetstream = process.env.BENCH_JETSTREAM;
  if (jetstream) plugins.push(rootRequire("@m-software-engineering/heat-collector-jetstream").jetstreamBuffer(JSON.parse(jetstream)));
  return plugins;
}

/** @returns {Promise<{ app: import("express").Express, close: () => Promise<void> }>} */
async function build() {
  if (kind === "ours" || kind === "production") {
    const express = rootRequire("express");
    const { createCollector } = rootRequire("@m-software-engineering/heat-collector");
    const production = kind === "production";
    const collector = await createCollector({
      db: dbConfig(),
      auth: { mode: "projectKey" },
      logging: { level: "error" },
      ingestion: {
        rateLimit: production
          ? {
              windowMs: 10_000,
              max: 120,
              redis: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
              ...(process.env.BENCH_RATE_LIMIT_PREFIX && { keyPrefix: process.env.BENCH_RATE_LIMIT_PREFIX }),
            }
          : false,
      },
      projects: [{ id: PROJECT_ID, name: "Bench", key: INGEST_KEY, readTokens: [READ_TOKEN] }],
      ...(production && { plugins: productionPlugins() }),
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
