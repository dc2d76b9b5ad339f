// @ts-check
/**
 * The analytics queries of issue 15 side by side with the click heatmap, on one store filled
 * through the adapter's own writes (so rage clicks, session hours and element hours are kept as
 * in production): `node bench/src/analytics-queries.mjs [--events=1000000] [--store=sqlite|pg|mysql] [--runs=7]`.
 *
 * Writes `--events` bench-workload events (30 days, SDK-shaped batches of 50) with writeBatch, 8
 * batches at a time, refreshes the server database's statistics, then serves a collector on the store
 * and times each query over HTTP (the median of `--runs`, after one warm-up). Prints one JSON line per query and a summary line.
 * `--keep=<name>` keeps the store for later runs: a database name on pg / mysql, a file path on sqlite (filled only
 * when it holds no events; run again with the same value to time the same store).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INGEST_KEY, PROJECT_ID, READ_TOKEN, median, rootRequire, timedGet } from "./common.mjs";
import { Workload } from "./workload.mjs";

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const EVENTS = Number(arg("events", 1_000_000));
const RUNS = Number(arg("runs", 7));
const STORE = arg("store", "sqlite");
const KEEP = arg("keep", undefined);
if (KEEP !== undefined && STORE !== "sqlite" && !/^[a-z_][a-z0-9_]*$/.test(KEEP)) throw new Error("--keep takes a database name (lower case, digits, _) on pg or mysql, a file path on sqlite");

const express = rootRequire("express");
const { createCollector } = rootRequire("@m-software-engineering/heat-collector");
const { toWriteBatch } = rootRequire("@m-software-engineering/heat-collector-kernel/dist/ingest/to-records.js");

const dir = mkdtempSync(join(tmpdir(), "analytics-bench-"));
/** @returns {Promise<{ storage: any, drop: () => Promise<void> }>} */
async function openStore() {
  if (STORE === "sqlite") {
    const { SqliteStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite");
    return { storage: new SqliteStorage({ file: KEEP ?? join(dir, "heat.db") }), drop: async () => {} };
  }
  const { SequelizeStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sequelize");
  const dialect = STORE === "pg" ? "pg" : "mysql";
  const server = dialect === "pg" ? "postgres://postgres@127.0.0.1:5432/test" : "mysql://root@127.0.0.1:3306/test";
  const db = KEEP ?? `hc_analytics_bench_${process.pid}`;
  const admin = new SequelizeStorage({ dialect, connectionString: server, poolMax: 1 });
  const [found] = await admin.sequelize.query(
    dialect === "pg" ? `SELECT 1 FROM pg_database WHERE datname = '${db}'` : `SELECT 1 FROM information_schema.schemata WHERE schema_name = '${db}'`,
  );
  if (found.length === 0) await admin.sequelize.query(`CREATE DATABASE ${db}`);
  const url = new URL(server);
  url.pathname = `/${db}`;
  return {
    storage: new SequelizeStorage({ dialect, connectionString: url.toString() }),
    drop: async () => {
      if (KEEP === undefined) await admin.sequelize.query(dialect === "pg" ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`);
      await admin.close();
    },
  };
}

const { storage, drop } = await openStore();
try {
  await storage.migrate();
  const wl = new Workload(15, { sessions: 512, tag: "analytics" });
  const t0 = performance.now();
  let written = 0;
  if (KEEP !== undefined && STORE === "sqlite") {
    const Database = rootRequire("better-sqlite3");
    const db = new Database(KEEP, { readonly: true });
    written = Number(db.prepare("SELECT COUNT(*) AS n FROM events").get().n); // a kept store already filled is read as it is
    db.close();
  } else if (KEEP !== undefined) {
    const [[{ n }]] = await storage.sequelize.query("SELECT COUNT(*) AS n FROM events");
    written = Number(n);
  }
  const filling = written === 0;
  while (written < EVENTS && filling) {
    const batches = [];
    for (let k = 0; k < 8 && written < EVENTS; k++) {
      const body = wl.next();
      written += body.events.length;
      batches.push(toWriteBatch(PROJECT_ID, body, null));
    }
    await Promise.all(batches.map((b) => storage.writeBatch(b)));
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  // Fresh planner statistics, as a database that has been running has (autovacuum, InnoDB's
  // recalculation): right after a bulk load, MariaDB planned some reads ten times slower.
  if (STORE !== "sqlite" && filling) {
    await /** @type {any} */ (storage).foldRollup();
    if (STORE === "pg") await storage.sequelize.query("VACUUM ANALYZE");
    else {
      const [tables] = await storage.sequelize.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()");
      await storage.sequelize.query(`ANALYZE TABLE ${tables.map((/** @type {any} */ r) => String(r.t ?? r.T ?? r.TABLE_NAME)).join(", ")}`);
    }
  }
  const collector = await createCollector({
    storage,
    auth: { mode: "projectKey" },
    logging: { level: "error" },
    ingestion: { rateLimit: false },
    projects: [{ id: PROJECT_ID, key: INGEST_KEY, readTokens: [READ_TOKEN] }],
  });
  const app = express();
  app.use(collector.router);
  const server = app.listen(0);
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${/** @type {any} */ (server.address()).port}/api/projects/${PROJECT_ID}`;
  const queries = {
    "heatmap click (reference)": "heatmap",
    "heatmap rageclick": "heatmap?type=rageclick",
    "heatmap pathPattern": `heatmap?pathPattern=${encodeURIComponent("/products/*")}`,
    "heatmap relative, width band": "heatmap?coordinates=relative&viewportWidthMin=768",
    "heatmap click unique_sessions": "heatmap?aggregation=unique_sessions",
    "heatmap click unique_sessions, one page": "heatmap?aggregation=unique_sessions&path=/pricing",
    "heatmap click unique_sessions, relative": "heatmap?aggregation=unique_sessions&coordinates=relative",
    "heatmap rageclick unique_sessions": "heatmap?type=rageclick&aggregation=unique_sessions",
    "timeseries events/hour, 30 days": "timeseries?interval=hour&metric=events&from=2026-09-01&to=2026-09-30T23:59:59Z",
    "timeseries sessions/day": "timeseries?metric=sessions",
    "timeseries rageclicks/day": "timeseries?metric=rageclicks",
    "elements": "elements",
    "elements /pricing": "elements?path=/pricing",
    "scrollmap /": "scrollmap?path=/",
    "scrollmap pattern": `scrollmap?pathPattern=${encodeURIComponent("/**")}`,
  };
  const results = [];
  for (const [name, path] of Object.entries(queries)) {
    await timedGet(`${base}/${path}`); // warm-up (and, on Sequelize, the fold)
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push((await timedGet(`${base}/${path}`)).ms);
    const row = { store: STORE, events: written, query: name, medianMs: Math.round(median(times) * 10) / 10, minMs: Math.round(Math.min(...times) * 10) / 10 };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  const ref = results[0].medianMs;
  console.log(JSON.stringify({ store: STORE, events: written, ...(filling ? { writeSeconds: Math.round(writeSeconds), eventsPerSecond: Math.round(written / writeSeconds) } : { filled: "earlier (--keep)" }), ratioToClickHeatmap: Object.fromEntries(results.map((r) => [r.query, Math.round((r.medianMs / ref) * 100) / 100])) }));
  server.close();
  await collector.close();
} finally {
  await drop();
  rmSync(dir, { recursive: true, force: true });
}
