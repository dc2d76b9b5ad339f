// @ts-check
/**
 * Side-by-side benchmark on a server database: ours (Sequelize adapter) and the published 0.3.7
 * collector on the same PostgreSQL or MariaDB, plus two processes of ours on one database.
 *
 *   node bench/src/run-servers.mjs --store=pg|mysql [--quick] [--ts=live|spread|both] [--with-10m]
 *        [--tiers=100000,1000000] [--systems=baseline,ours,ours2] [--skip-ingest] [--skip-heatmap]
 *        [--reseed] [--seed-only] [--tag=x]
 *
 * Each ingest run gets a fresh database, created and dropped here; heatmap tiers use seeded
 * databases kept between runs (hc_bench_<store>_<system>_…, named after the schema they hold).
 * Prints a table with ratios; writes bench/results/servers-<store>[-quick][-tag].json.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, PROJECT_ID, READ_TOKEN, median, rootRequire, sleep, timedGet } from "./common.mjs";
import { bodySource, cannon, largeBatches } from "./ingest-load.mjs";
import { cpuSecondsOf, startServer, watchRss } from "./processes.mjs";
import { codeMeasured, fmt, loadAvg, machine, markdownTable, ratio } from "./report.mjs";
import { stallProbe } from "./stall-probe.mjs";
import {
  STORE_URLS,
  countRows,
  createDatabase,
  databaseCpuSeconds,
  databaseUrl,
  databasesLike,
  dropDatabase,
  isStore,
  ourRollup,
  serverVersion,
  withAdmin,
} from "./server-stores.mjs";
import { WINDOW_END, WINDOW_START } from "./workload.mjs";

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name) => process.argv.includes(`--${name}`);

const STORE = /** @type {import("./server-stores.mjs").Store} */ (arg("store") ?? "");
if (!isStore(STORE)) {
  console.error("usage: node bench/src/run-servers.mjs --store=pg|mysql [--quick] [--ts=live|spread|both] [--with-10m] …");
  process.exit(2);
}
const QUICK = flag("quick");
/** Workload time shapes (same meaning as run.mjs's --ts): live traffic, and the replayed backlog. */
const SHAPES = { live: ["live"], spread: ["spread"], both: ["live", "spread"] }[arg("ts") ?? "both"];
if (!SHAPES) throw new Error("--ts takes live, spread or both");
/** @typedef {"baseline" | "ours" | "ours2"} System */
const SYSTEMS = /** @type {System[]} */ ((arg("systems") ?? "baseline,ours,ours2").split(","));
const CFG = QUICK
  ? { ingestSeconds: 5, warmupSeconds: 1, idleSeconds: 10, tiers: [10_000, 100_000], baselineMaxTier: 100_000, stallSeconds: 3 }
  : { ingestSeconds: 15, warmupSeconds: 3, idleSeconds: 10, tiers: [100_000, 1_000_000], baselineMaxTier: 1_000_000, stallSeconds: 10 };
if (arg("tiers")) CFG.tiers = String(arg("tiers")).split(",").map(Number);
if (flag("with-10m")) CFG.tiers.push(10_000_000);
const CONNECTIONS = 20;
const HEAT_REPS = 10;
/** Bump when the seeders change what they write: cached databases of another version are reseeded. */
const SEED_VERSION = 1;
const CATCH_UP_LIMIT_MS = 300_000;

const { MIGRATIONS } = rootRequire("@m-software-engineering/heat-collector-storage-sequelize");
/** Our schema: its latest migration and a hash of every migration's code, so that a changed adapter
 * (a new migration, or one edited in place while under way) gets freshly seeded databases. */
const OUR_SCHEMA = (() => {
  const ms = /** @type {Array<{ version: number, name: string, up: Function }>} */ (MIGRATIONS);
  const hash = createHash("sha256");
  for (const m of ms) hash.update(`${m.version}\0${m.name}\0${m.up.toString()}\0`);
  return `${Math.max(...ms.map((m) => m.version))}h${hash.digest("hex").slice(0, 6)}`;
})();

const KIND = /** @type {const} */ ({ baseline: "baseline", ours: "ours", ours2: "ours" });
const INSTANCES = { baseline: 1, ours: 1, ours2: 2 };

// ---------------------------------------------------------------- ingest

/** Starts a system's server(s) on `db` one after the other (ours migrates under a lock anyway). */
async function startSystem(/** @type {System} */ system, /** @type {string} */ db) {
  const servers = [];
  try {
    for (let i = 0; i < INSTANCES[system]; i++) servers.push(await startServer(KIND[system], databaseUrl(STORE, db)));
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}

/** CPU seconds each server and the database server use over `ms` of the servers doing nothing asked of them. */
async function cpuOver(/** @type {Array<{ pid: number }>} */ servers, /** @type {number} */ ms) {
  const s0 = servers.map((s) => cpuSecondsOf(s.pid));
  const d0 = databaseCpuSeconds(STORE);
  await sleep(ms);
  const server = servers.map((s, i) => +(cpuSecondsOf(s.pid) - s0[i]).toFixed(2));
  return { seconds: ms / 1000, server, database: +(databaseCpuSeconds(STORE) - d0).toFixed(2) };
}

/**
 * Our rollup's deferred work, through a second adapter on the same database: `atStop()` reads the
 * backlog the moment the load stops, then folds (foldRollup(), alongside the servers' own folding)
 * until the backlog reads zero; catch-up is the time from the stop until then.
 */
function rollupWatch(/** @type {string} */ db) {
  const rollup = ourRollup(STORE, db);
  return {
    /** Connects ahead of the load, so that the reading at the stop is not delayed by a connect. */
    ready: () => rollup.backlog(),
    async atStop() {
      const t = performance.now();
      const backlog = await rollup.backlog();
      await rollup.fold();
      while ((await rollup.backlog()) > 0 && performance.now() - t < CATCH_UP_LIMIT_MS) await sleep(100);
      return { backlog, backlogUnit: rollup.unit, catchUpSeconds: (performance.now() - t) / 1000, backlogAfter: await rollup.backlog() };
    },
    close: () => rollup.close(),
  };
}

/** Events (rows) in the database once requests still in flight have landed: two equal counts 300 ms apart. */
async function settledCount(/** @type {string} */ db) {
  let n = await countRows(STORE, db);
  for (const until = performance.now() + 30_000; performance.now() < until; ) {
    await sleep(300);
    const m = await countRows(STORE, db);
    if (m === n) break;
    n = m;
  }
  return n;
}

/**
 * One system under 20 connections (ours ×2: 10 on each process, two load generators in parallel,
 * summed) on a fresh database, then what it left to do and what it costs idle.
 * @param {System} system
 * @param {"live" | "spread"} shape
 */
async function ingest(system, shape) {
  const db = `hc_bench_${STORE}_ingest_${randomBytes(4).toString("hex")}`;
  await createDatabase(STORE, db);
  /** @type {Awaited<ReturnType<typeof startSystem>>} */
  let servers = [];
  const rollup = KIND[system] === "ours" ? rollupWatch(db) : undefined;
  try {
    try {
      servers = await startSystem(system, db);
    } catch (/** @type {any} */ err) {
      return { startFailed: String(err.message) };
    }
    const sources = servers.map(() => bodySource({ spread: shape === "spread" }));
    const load = (/** @type {number} */ seconds) => Promise.all(servers.map((s, i) => cannon(s, sources[i], seconds, CONNECTIONS / servers.length)));
    await load(CFG.warmupSeconds);
    const rowsBefore = await settledCount(db);
    await rollup?.ready();
    const stopRss = servers.map((s) => watchRss(s.pid));
    const cpu0 = { server: servers.map((s) => cpuSecondsOf(s.pid)), database: databaseCpuSeconds(STORE) };
    const runs = /** @type {any[]} */ (await load(CFG.ingestSeconds));
    const cpuDuringLoad = { server: servers.map((s, i) => +(cpuSecondsOf(s.pid) - cpu0.server[i]).toFixed(2)), database: +(databaseCpuSeconds(STORE) - cpu0.database).toFixed(2) };
    const peakRssMb = stopRss.map((stop) => stop());
    const fold = await rollup?.atStop();
    const rowsAfter = await settledCount(db);
    await sleep(1000);
    const idle = await cpuOver(servers, CFG.idleSeconds * 1000);
    const large = shape === "live" ? await largeBatches(servers[0]) : [];
    const ok = runs.reduce((a, r) => a + r["2xx"], 0);
    const duration = Math.max(...runs.map((r) => r.duration));
    const pool = sources[0].pool;
    const rowsPerBody = system === "baseline" ? pool.reduce((a, p) => a + p.rows, 0) / pool.length : 50;
    return {
      instances: servers.length,
      requestsPerSec: ok / duration,
      eventsPerSec: (ok * 50) / duration,
      rowsStoredPerSec: (rowsAfter - rowsBefore) / duration,
      // Two load generators: each one's percentiles; the pair's p50/p99 lie between them, the larger is reported.
      latencyMs: {
        p50: Math.max(...runs.map((r) => r.latency.p50)),
        p99: Math.max(...runs.map((r) => r.latency.p99)),
        max: Math.max(...runs.map((r) => r.latency.max)),
        ...(runs.length > 1 && { perInstance: runs.map((r) => ({ p50: r.latency.p50, p99: r.latency.p99, requestsPerSec: r["2xx"] / r.duration })) }),
      },
      ok,
      non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
      errors: runs.reduce((a, r) => a + r.errors, 0),
      timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
      rowsStored: rowsAfter - rowsBefore,
      rowsInAcceptedBodies: Math.round(ok * rowsPerBody),
      peakRssMb,
      cpuDuringLoad,
      idleCpu: idle,
      bodyBytesMean: Math.round(pool.reduce((a, p) => a + p.text.length, 0) / pool.length),
      largeBatches: large,
      ...(fold && { fold, eventsPerSecIncludingFold: (rowsAfter - rowsBefore) / (duration + fold.catchUpSeconds) }),
    };
  } finally {
    await rollup?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await dropDatabase(STORE, db);
  }
}

// ---------------------------------------------------------------- seeded databases

const tierName = (/** @type {number} */ rows) => (rows % 1_000_000 === 0 ? `${rows / 1_000_000}m` : `${rows / 1000}k`);
/** Cached seed databases of a system, by what they hold: ours by our schema version, 0.3.7 by its own. */
const seedPrefix = (/** @type {"ours" | "baseline"} */ kind) => `hc_bench_${STORE}_${kind === "ours" ? "ours" : "base037"}_s${SEED_VERSION}`;
const seedName = (/** @type {"ours" | "baseline"} */ kind, /** @type {number} */ rows) => `${seedPrefix(kind)}${kind === "ours" ? `m${OUR_SCHEMA}` : ""}_${tierName(rows)}`;

async function seedMeta(/** @type {string} */ db) {
  try {
    const [row] = await withAdmin(STORE, db, (a) => a.query("SELECT meta FROM hc_bench_seed"));
    return row ? JSON.parse(String(row.meta)) : undefined;
  } catch {
    return undefined; // no such table: the seeding never finished
  }
}

/** A seeded database of `rows` rows for `kind`: the cached one, or a fresh one (seeding timed). */
async function seeded(/** @type {"ours" | "baseline"} */ kind, /** @type {number} */ rows) {
  const db = seedName(kind, rows);
  const existing = await databasesLike(STORE, `hc_bench_${STORE}_${kind === "ours" ? "ours" : "base037"}_`);
  if (existing.includes(db) && !flag("reseed")) {
    const meta = await seedMeta(db);
    if (meta) return { db, seed: { ...meta, cached: true } };
  }
  // Same tier, other schema or seed version (or unfinished): replaced.
  for (const old of existing.filter((n) => n.endsWith(`_${tierName(rows)}`))) await dropDatabase(STORE, old);
  await createDatabase(STORE, db);
  console.error(`  seeding ${db}…`);
  const r = spawnSync(process.execPath, ["--max-old-space-size=8192", join(BENCH_DIR, "src", "seed-servers.mjs"), kind, STORE, db, String(rows)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const out = JSON.parse(r.stdout.trim().split("\n").pop() || "{}");
  if (r.status !== 0 || out.error) {
    await dropDatabase(STORE, db);
    throw new Error(out.error ?? `seeding ${db} failed (${r.status})`);
  }
  return { db, seed: { ...out, cached: false } };
}

// ---------------------------------------------------------------- heatmaps

const RANGE = `from=${WINDOW_START}&to=${WINDOW_END}`;
/** The heatmaps timed at each tier: every page's samples of all types, every page's clicks, one page's clicks. */
const HEAT_QUERIES = { all: `type=all&${RANGE}`, click: `type=click&${RANGE}`, pageClick: `type=click&path=/&${RANGE}` };

async function heatmapTotal(/** @type {string} */ url) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  const body = /** @type {{ meta?: { total?: number }, points?: unknown[] }} */ (await res.json());
  return { status: res.status, total: body.meta?.total, points: body.points?.length };
}

async function heatmap(/** @type {"ours" | "baseline"} */ kind, /** @type {number} */ rows) {
  let cache;
  try {
    cache = await seeded(kind, rows);
  } catch (/** @type {any} */ err) {
    return { rows, seedFailed: String(err.message) };
  }
  const { db, seed } = cache;
  let server;
  try {
    server = await startServer(kind, databaseUrl(STORE, db));
  } catch (/** @type {any} */ err) {
    return { rows, seed, startFailed: String(err.message) };
  }
  const base = `${server.base}/api/projects/${PROJECT_ID}`;
  const sessionsUrl = `${base}/sessions?limit=50`;
  try {
    const sessionsIdle = [];
    for (let i = 0; i < HEAT_REPS; i++) sessionsIdle.push((await timedGet(sessionsUrl)).ms);
    const queries = {};
    for (const [name, q] of Object.entries(HEAT_QUERIES)) {
      const first = await timedGet(`${base}/heatmap?${q}`); // warm-up, reported apart
      queries[name] = { query: q, firstMs: first.ms, responseBytes: first.bytes, ...(await heatmapTotal(`${base}/heatmap?${q}`)) };
    }
    const stopRss = watchRss(server.pid);
    for (const [name, q] of Object.entries(HEAT_QUERIES)) {
      const times = [];
      for (let i = 0; i < HEAT_REPS; i++) times.push((await timedGet(`${base}/heatmap?${q}`)).ms);
      Object.assign(queries[name], { medianMs: median(times), ms: times });
    }
    // Event-loop stall: two clients loop on the heaviest heatmap while a third asks for the sessions list.
    const cheapDuringHeatmap = await stallProbe(`${base}/heatmap?${HEAT_QUERIES.all}`, sessionsUrl, CFG.stallSeconds);
    const peakRssMb = stopRss();
    return {
      rows,
      db,
      seed,
      queries,
      peakRssMb,
      sessionsIdleMedianMs: median(sessionsIdle),
      cheapDuringHeatmap,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- report

const LABEL = { baseline: "0.3.7", ours: "ours", ours2: "ours ×2" };
const failure = (/** @type {any} */ r) => r?.startFailed ?? r?.seedFailed;
const cell = (/** @type {any} */ r, /** @type {(r: any) => string} */ show) => (r === undefined ? "—" : failure(r) ? "failed" : show(r));

/**
 * The table: ours, 0.3.7, ours ×2 and their ratios; on MariaDB also ours on PostgreSQL from the PG
 * results file (0.3.7 does not start on MariaDB, so that is the comparison there).
 */
function printTable(/** @type {any} */ results, /** @type {any} */ pg) {
  const head = ["metric", "ours", "0.3.7", "ours ×2", "ours vs 0.3.7", "×2 vs ×1", ...(pg ? ["ours on PostgreSQL", "ours here vs PG"] : [])];
  const rows = [];
  /** @param {string} label @param {(x: any) => number | undefined} get @param {(v: number) => string} show @param {boolean} higher @param {any} o @param {any} b @param {any} o2 @param {any} p */
  const row = (label, get, show, higher, o, b, o2, p) => {
    const v = (/** @type {any} */ r) => (r === undefined || failure(r) ? undefined : get(r));
    rows.push([label, cell(o, (r) => show(get(r))), cell(b, (r) => show(get(r))), cell(o2, (r) => show(get(r))), ratio(v(o), v(b), higher), ratio(v(o2), v(o), higher), ...(pg ? [cell(p, (r) => show(get(r))), ratio(v(o), v(p), higher)] : [])]);
  };
  /** A row without ratios. */
  const text = (/** @type {string} */ label, /** @type {(r: any) => string} */ show, /** @type {any[]} */ rs) => rows.push([label, ...rs.slice(0, 3).map((r) => cell(r, show)), "", "", ...(pg ? [cell(rs[3], show), ""] : [])]);
  for (const shape of Object.keys(results.ingest ?? {})) {
    const I = results.ingest[shape];
    const P = pg?.ingest?.[shape] ?? {};
    const all = [I.ours, I.baseline, I.ours2, P.ours];
    const n = (/** @type {number} */ d) => (/** @type {number} */ v) => fmt(v, d);
    row(`ingest (${shape}) requests/s answered, 20 conn`, (r) => r.requestsPerSec, n(0), true, ...all);
    row(`  events/s answered`, (r) => r.eventsPerSec, n(0), true, ...all);
    row(`  latency p50 ms`, (r) => r.latencyMs.p50, n(0), false, ...all);
    row(`  latency p99 ms`, (r) => r.latencyMs.p99, n(0), false, ...all);
    text(`  non-2xx / errors`, (r) => `${r.non2xx} / ${r.errors}`, all);
    text(`  rows stored / in accepted bodies`, (r) => `${fmt(r.rowsStored)} / ${fmt(r.rowsInAcceptedBodies)}`, all);
    text(`  rollup backlog at stop / catch-up s`, (r) => (r.fold ? `${fmt(r.fold.backlog)} / ${r.fold.catchUpSeconds.toFixed(1)}` : "—"), all);
    row(`  events/s including the fold`, (r) => r.eventsPerSecIncludingFold ?? r.eventsPerSec, n(0), true, ...all);
    text(`  server peak RSS MB`, (r) => r.peakRssMb.join(" + "), all);
    text(`  CPU s under load: server / database`, (r) => `${r.cpuDuringLoad.server.join(" + ")} / ${r.cpuDuringLoad.database}`, all);
    text(`  CPU s in ${CFG.idleSeconds} s idle: server / database`, (r) => `${r.idleCpu.server.join(" + ")} / ${r.idleCpu.database}`, all);
    if (shape === "live") text(`  batch of 990 / 3,000 / 7,500 points`, (r) => r.largeBatches.map((x) => x.status).join(" / "), all);
  }
  for (const tier of results.heatmap ?? []) {
    const P = pg?.heatmap?.find((/** @type {any} */ t) => t.rows === tier.rows);
    const all = [tier.ours, tier.baseline, undefined, P?.ours];
    const n = fmt(tier.rows);
    for (const [q, label] of Object.entries({ all: "type=all", click: "type=click", pageClick: "type=click&path=/" })) {
      row(`heatmap @${n} rows ${label}, median ms`, (r) => r.queries[q].medianMs, (v) => fmt(v, 1), false, ...all);
    }
    row(`  server peak RSS MB`, (r) => r.peakRssMb, (v) => fmt(v), false, ...all);
    row(`  sessions list during heatmaps p99 ms`, (r) => r.cheapDuringHeatmap.p99, (v) => fmt(v, 1), false, ...all);
    text(`  …p50 / max ms`, (r) => `${fmt(r.cheapDuringHeatmap.p50, 1)} / ${fmt(r.cheapDuringHeatmap.max, 1)}`, all);
    row(`  sessions list idle, median ms`, (r) => r.sessionsIdleMedianMs, (v) => fmt(v, 1), false, ...all);
    text(`  seeding s (cached: earlier run)`, (r) => `${fmt(r.seed.seconds)}${r.seed.cached ? " (cached)" : ""}`, all);
  }
  if (results.databaseIdleCpu) rows.push([`database server alone, CPU s in ${CFG.idleSeconds} s idle`, String(results.databaseIdleCpu.database), "", "", "", "", ...(pg ? [String(pg.databaseIdleCpu?.database ?? "—"), ""] : [])]);
  const out = markdownTable(head, rows);
  const failures = [];
  for (const [shape, I] of Object.entries(results.ingest ?? {})) for (const [sys, r] of Object.entries(/** @type {any} */ (I))) if (failure(r)) failures.push(`ingest ${shape}, ${LABEL[sys]}: ${failure(r)}`);
  for (const tier of results.heatmap ?? []) for (const sys of ["ours", "baseline"]) if (failure(tier[sys])) failures.push(`heatmap @${tier.rows}, ${LABEL[sys]}: ${failure(tier[sys])}`);
  const text2 = failures.length ? `${out}\n\nfailed:\n${failures.map((f) => `- ${f}`).join("\n")}` : out;
  console.log(text2);
  return text2;
}

// ---------------------------------------------------------------- main

/** A bench dependency's installed version (read from its folder: not every package exports package.json). */
const packageVersion = (/** @type {string} */ name) => JSON.parse(readFileSync(join(BENCH_DIR, "node_modules", name, "package.json"), "utf8")).version;

const resultsFile = (/** @type {string} */ store) => join(BENCH_DIR, "results", `servers-${store}${QUICK ? "-quick" : ""}${arg("tag") ? `-${arg("tag")}` : ""}.json`);

/** `--seed-only`: makes sure the tiers' seeded databases exist (seeding what is missing), measures nothing. */
async function seedOnly() {
  for (const rows of CFG.tiers) {
    for (const kind of /** @type {const} */ (["baseline", "ours"])) {
      if (!SYSTEMS.includes(kind) || (kind === "baseline" && rows > CFG.baselineMaxTier)) continue;
      const r = await seeded(kind, rows).catch((/** @type {any} */ err) => ({ error: String(err.message) }));
      console.error(`${LABEL[kind]} @ ${rows}: ${JSON.stringify(r)}`);
    }
  }
}

async function main() {
  if (flag("seed-only")) return seedOnly();
  const started = Date.now();
  /** @type {any} */
  const results = {
    store: STORE,
    mode: QUICK ? "quick" : "full",
    startedAt: new Date(started).toISOString(),
    machine: machine(),
    code: codeMeasured(),
    versions: {
      database: await serverVersion(STORE),
      oursSchema: OUR_SCHEMA,
      baseline: packageVersion("heat-collector-baseline"),
      pg: packageVersion("pg"),
      mysql2: packageVersion("mysql2"),
    },
    config: { ...CFG, shapes: SHAPES, systems: SYSTEMS, connections: CONNECTIONS, heatmapReps: HEAT_REPS, heatmapQueries: HEAT_QUERIES, seedVersion: SEED_VERSION, url: STORE_URLS[STORE].replace(/\/\/[^@]*@/, "//…@") },
  };
  if (!flag("skip-ingest")) {
    // The floor the idle figures below stand on: the database server alone, no collector connected
    // (on a shared machine, other clients of the same server show up here too).
    results.databaseIdleCpu = await cpuOver([], CFG.idleSeconds * 1000);
    results.ingest = {};
    for (const shape of SHAPES) {
      results.ingest[shape] = {};
      for (const system of SYSTEMS) {
        console.error(`ingest (${shape}): ${LABEL[system]}…`);
        results.ingest[shape][system] = await ingest(system, /** @type {"live" | "spread"} */ (shape));
      }
    }
  }
  if (!flag("skip-heatmap")) {
    results.heatmap = [];
    for (const rows of CFG.tiers) {
      const tier = { rows };
      for (const kind of /** @type {const} */ (["baseline", "ours"])) {
        if (!SYSTEMS.includes(kind) || (kind === "baseline" && rows > CFG.baselineMaxTier)) continue;
        console.error(`heatmap: ${LABEL[kind]} @ ${rows} rows…`);
        tier[kind] = await heatmap(kind, rows);
      }
      results.heatmap.push(tier);
    }
  }
  results.finishedAt = new Date().toISOString();
  results.seconds = (Date.now() - started) / 1000;
  results.machine.loadAvgAtEnd = loadAvg();
  const pgFile = resultsFile("pg");
  const pg = STORE === "mysql" && existsSync(pgFile) ? JSON.parse(readFileSync(pgFile, "utf8")) : undefined;
  if (pg) results.comparedWith = { file: `bench/results/${pgFile.split("/").pop()}`, commit: pg.code?.commit, startedAt: pg.startedAt };
  results.table = printTable(results, pg);
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  writeFileSync(resultsFile(STORE), `${JSON.stringify(results, null, 2)}\n`);
  console.error(`wrote ${resultsFile(STORE)} in ${results.seconds.toFixed(0)} s`);
}

// Exit explicitly: fetch's keep-alive sockets would otherwise hold the process open.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
