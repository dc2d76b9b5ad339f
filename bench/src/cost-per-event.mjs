// @ts-check
/**
 * CPU cost per stored event of ingest on a database server, for one system at a time:
 * `node bench/src/cost-per-event.mjs --store=pg|mysql [--system=ours|baseline] [--seconds=15] [--connections=20] [--prof]`.
 *
 * Throughput on a shared 2-core machine moves with whatever else runs; CPU microseconds per stored
 * event, of the collector process and of the database backends serving its own database, do not
 * (much). Backends are found by database name (PostgreSQL: pg_stat_activity; MariaDB runs one
 * process, so there the whole server is counted, with the reading taken before as its floor).
 * `--prof` writes a .cpuprofile of the collector into bench/results/prof/ (see prof-top.mjs); `BENCH_EXTRA_ARGV`
 * (space-separated node flags, e.g. a `--require` preload) is passed to the collector as well.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, sleep } from "./common.mjs";
import { bodySource, cannon } from "./ingest-load.mjs";
import { cpuSecondsOf, startServer } from "./processes.mjs";
import { countRows, createDatabase, databaseCpuSeconds, databaseUrl, dropDatabase, withAdmin } from "./server-stores.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));
const store = /** @type {"pg" | "mysql"} */ (args.store ?? "pg");
const system = /** @type {"ours" | "baseline"} */ (args.system ?? "ours");
const seconds = Number(args.seconds ?? 15);
const connections = Number(args.connections ?? 20);

/** CPU seconds so far of each PostgreSQL backend connected to `db`, by pid. */
async function pgBackendCpu(db) {
  const rows = await withAdmin("pg", undefined, (a) => a.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [db]));
  return new Map(rows.map((r) => [Number(r.pid), cpuSecondsOf(Number(r.pid))]));
}

/** CPU used between two readings: backends opened meanwhile count whole (the pool grows lazily). */
const backendDelta = (before, after) => [...after].reduce((s, [pid, cpu]) => s + cpu - (before.get(pid) ?? 0), 0);

const db = `hc_cost_${store}_${system}_${Date.now().toString(36)}`;
await createDatabase(store, db);
const execArgv = process.env.BENCH_EXTRA_ARGV ? process.env.BENCH_EXTRA_ARGV.split(" ") : [];
if (args.prof) {
  const dir = join(BENCH_DIR, "results", "prof");
  mkdirSync(dir, { recursive: true });
  execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=cost-${store}-${system}-${Date.now().toString(36)}.cpuprofile`);
}
const server = await startServer(system, databaseUrl(store, db), execArgv);
try {
  const source = bodySource({ spread: args.ts === "spread" });
  await cannon(server, source, 3, connections); // warm-up: pools filled, JIT warm
  for (const ix of (args["drop-index"] ?? "").split(",").filter(Boolean)) await withAdmin(store, db, (a) => a.query(`DROP INDEX ${ix}`));
  await sleep(500);
  const rows0 = await countRows(store, db);
  const srv0 = cpuSecondsOf(server.pid);
  const db0 = store === "pg" ? await pgBackendCpu(db) : databaseCpuSeconds(store);
  const result = await cannon(server, source, seconds, connections);
  await sleep(1000); // requests in flight land
  const srv1 = cpuSecondsOf(server.pid);
  const db1 = store === "pg" ? await pgBackendCpu(db) : databaseCpuSeconds(store);
  const dbCpu = store === "pg" ? backendDelta(db0, db1) : db1 - db0;
  const rows1 = await countRows(store, db);
  const stored = rows1 - rows0;
  const us = (s) => ((s * 1e6) / stored).toFixed(1);
  const out = {
    store,
    system,
    seconds,
    connections,
    requestsPerSec: result.requests.average,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rowsStored: stored,
    serverCpuS: +(srv1 - srv0).toFixed(2),
    databaseCpuS: +(dbCpu).toFixed(2),
    serverUsPerRow: us(srv1 - srv0),
    databaseUsPerRow: us(dbCpu),
    backends: store === "pg" ? db1.size : undefined,
  };
  console.log(JSON.stringify(out));
} finally {
  await server.stop();
  await dropDatabase(store, db);
}
