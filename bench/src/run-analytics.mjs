// @ts-check
/**
 * The analytics queries (rage clicks, URL patterns, viewport widths, elements, trends, scroll map) on
 * each store at seeded tiers: `node bench/src/run-analytics.mjs [--stores=sqlite,pg,mysql]
 * [--tiers=100000,1000000] [--reps=10] [--reseed]` → bench/results/analytics.json and a table.
 *
 * Stores are seeded through our adapter's own writeBatch (the kernel's payload → records mapping,
 * batches of 2,000 events, 4 in flight), then folded, so every aggregate the queries read is exactly
 * what ingest builds (the SQLite bulk seeder of run.mjs bypasses the write path and so the analytics
 * aggregates). Seeds are cached by tier and a hash of both adapters' migrations: SQLite files under
 * bench/.data, databases hc_bench_<store>_ana_<hash>_<tier>. Each query: one warm-up, then the median
 * and the slowest of `reps`, with the response size; the heatmap type=all of run.mjs rides along as
 * the reference the issue's targets compare with.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, PROJECT_ID, median, rootRequire, timedGet } from "./common.mjs";
import { startServer } from "./processes.mjs";
import { codeMeasured, machine, markdownTable } from "./report.mjs";
import { createDatabase, databasesLike, databaseUrl, dropDatabase, withAdmin } from "./server-stores.mjs";
import { WINDOW_END, WINDOW_START, seedDays } from "./workload.mjs";

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const STORES = /** @type {Array<"sqlite" | "pg" | "mysql">} */ ((arg("stores") ?? "sqlite,pg,mysql").split(","));
const TIERS = (arg("tiers") ?? "100000,1000000").split(",").map(Number);
const REPS = Number(arg("reps") ?? 10);
const DATA = join(BENCH_DIR, ".data");
mkdirSync(DATA, { recursive: true });

const RANGE = `from=${WINDOW_START}&to=${WINDOW_END}`;
/** Endpoint → query string, each over the whole seeded window. */
const QUERIES = {
  "heatmap type=all (reference)": `heatmap?type=all&${RANGE}`,
  "heatmap type=rageclick": `heatmap?type=rageclick&${RANGE}`,
  "heatmap click, pathPattern=/products/*": `heatmap?type=click&pathPattern=${encodeURIComponent("/products/*")}&${RANGE}`,
  "heatmap click, widths 1000–1400": `heatmap?type=click&viewportWidthMin=1000&viewportWidthMax=1400&${RANGE}`,
  "heatmap click, coordinates=relative": `heatmap?type=click&coordinates=relative&${RANGE}`,
  "heatmap click, unique sessions": `heatmap?type=click&aggregation=unique_sessions&${RANGE}`,
  "elements (every page)": `elements?${RANGE}`,
  "elements path=/": `elements?path=/&${RANGE}`,
  "timeseries hour, events": `timeseries?interval=hour&metric=events&${RANGE}`,
  "timeseries day, sessions": `timeseries?interval=day&metric=sessions&${RANGE}`,
  "timeseries hour, clicks, pathPattern=/**": `timeseries?interval=hour&metric=clicks&pathPattern=${encodeURIComponent("/**")}&${RANGE}`,
  "timeseries day, rageclicks": `timeseries?interval=day&metric=rageclicks&${RANGE}`,
  "scrollmap path=/": `scrollmap?path=/&${RANGE}`,
  "scrollmap pathPattern=/blog/*": `scrollmap?pathPattern=${encodeURIComponent("/blog/*")}&${RANGE}`,
};

/** Both adapters' migrations: a changed schema gets fresh seeds. */
const SCHEMA = (() => {
  const hash = createHash("sha256");
  for (const pkg of ["@m-software-engineering/heat-collector-storage-sqlite", "@m-software-engineering/heat-collector-storage-sequelize"]) {
    const { MIGRATIONS } = rootRequire(pkg);
    for (const m of /** @type {Array<{ version: number, up?: Function, sql?: string }>} */ (MIGRATIONS ?? [])) hash.update(`${m.version}\0${String(m.up ?? m.sql ?? "")}\0`);
  }
  return hash.digest("hex").slice(0, 8);
})();
const tierName = (/** @type {number} */ rows) => (rows % 1_000_000 === 0 ? `${rows / 1_000_000}m` : `${rows / 1000}k`);

/** Writes `target` events of the bench workload through the adapter, then folds until nothing is left. */
async function seedThrough(/** @type {any} */ storage, /** @type {number} */ target) {
  const { toWriteBatch } = rootRequire("@m-software-engineering/heat-collector-kernel/dist/ingest/to-records.js");
  await storage.migrate();
  const started = performance.now();
  const inFlight = new Set();
  let events = [];
  let sessions = new Map();
  const submit = async () => {
    const batch = { projectId: PROJECT_ID, sessions: [...sessions.values()], events };
    events = [];
    sessions = new Map();
    const p = storage.writeBatch(batch).then((/** @type {{ inserted: number }} */ r) => {
      if (r.inserted !== batch.events.length) throw new Error(`seed batch stored ${r.inserted} of ${batch.events.length}`);
    });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => undefined);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  };
  for (const { wl, want } of seedDays(target)) {
    for (let n = 0; n < want; ) {
      const body = wl.next();
      body.events = body.events.slice(0, want - n);
      const wb = toWriteBatch(PROJECT_ID, body, null);
      events.push(...wb.events);
      // One session row per session and write: the first batch's start, the latest last-seen.
      for (const s of wb.sessions) {
        const had = sessions.get(s.sessionId);
        if (!had) sessions.set(s.sessionId, { ...s });
        else had.lastSeenAt = Math.max(had.lastSeenAt, s.lastSeenAt);
      }
      n += wb.events.length;
      if (events.length >= 2000) await submit();
    }
  }
  if (events.length > 0) await submit();
  await Promise.all(inFlight);
  const loadSeconds = (performance.now() - started) / 1000;
  while ((await storage.foldRollup()) > 0);
  await storage.close();
  return { events: target, loadSeconds: +loadSeconds.toFixed(1), seconds: +((performance.now() - started) / 1000).toFixed(1) };
}

/** The seeded store of a tier (cached), as the target server.mjs takes: a file or a database URL. */
async function seeded(/** @type {"sqlite" | "pg" | "mysql"} */ store, /** @type {number} */ rows) {
  const name = `ana_${SCHEMA}_${tierName(rows)}`;
  if (store === "sqlite") {
    const file = join(DATA, `${name}.sqlite`);
    const meta = `${file}.seed.json`;
    if (existsSync(meta) && !process.argv.includes("--reseed")) return { target: file, seed: { ...JSON.parse(readFileSync(meta, "utf8")), cached: true } };
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    const { SqliteStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite");
    const seed = await seedThrough(new SqliteStorage({ file, rollupIntervalMs: 3_600_000 }), rows);
    writeFileSync(meta, JSON.stringify(seed));
    return { target: file, seed: { ...seed, cached: false } };
  }
  const db = `hc_bench_${store}_${name}`;
  const existing = await databasesLike(store, `hc_bench_${store}_ana_`);
  if (existing.includes(db) && !process.argv.includes("--reseed")) {
    const [row] = await withAdmin(store, db, (a) => a.query("SELECT meta FROM hc_bench_seed")).catch(() => []);
    if (row) return { target: databaseUrl(store, db), seed: { ...JSON.parse(String(row.meta)), cached: true } };
  }
  for (const old of existing.filter((n) => n.endsWith(`_${tierName(rows)}`))) await dropDatabase(store, old);
  await createDatabase(store, db);
  const { SequelizeStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sequelize");
  const seed = await seedThrough(new SequelizeStorage({ dialect: store, connectionString: databaseUrl(store, db), poolMax: 6, rollupIntervalMs: 3_600_000 }), rows);
  await withAdmin(store, db, async (a) => {
    if (store === "pg") await a.query("VACUUM ANALYZE");
    await a.query("CREATE TABLE hc_bench_seed (meta TEXT NOT NULL)");
    await a.query(`INSERT INTO hc_bench_seed (meta) VALUES (${store === "pg" ? "$1" : "?"})`, [JSON.stringify(seed)]);
  });
  return { target: databaseUrl(store, db), seed: { ...seed, cached: false } };
}

/** Times each query on one seeded store; a query the collector refuses is recorded with its status. */
async function measure(/** @type {"sqlite" | "pg" | "mysql"} */ store, /** @type {number} */ rows) {
  const { target, seed } = await seeded(store, rows);
  const server = await startServer("ours", target);
  const base = `${server.base}/api/projects/${PROJECT_ID}`;
  const queries = {};
  try {
    for (const [label, q] of Object.entries(QUERIES)) {
      try {
        const first = await timedGet(`${base}/${q}`);
        const ms = [];
        for (let i = 0; i < REPS; i++) ms.push((await timedGet(`${base}/${q}`)).ms);
        queries[label] = { query: q, firstMs: +first.ms.toFixed(1), medianMs: +median(ms).toFixed(1), maxMs: +Math.max(...ms).toFixed(1), bytes: first.bytes };
      } catch (/** @type {any} */ err) {
        queries[label] = { query: q, failed: String(err.message).slice(0, 200) };
      }
    }
  } finally {
    await server.stop();
  }
  return { store, rows, seed, queries };
}

const results = { startedAt: new Date().toISOString(), machine: machine(), code: codeMeasured(), schema: SCHEMA, reps: REPS, runs: /** @type {any[]} */ ([]) };
for (const store of STORES) {
  for (const rows of TIERS) {
    console.error(`${store} @ ${rows}…`);
    results.runs.push(await measure(store, rows));
  }
}
results.machine.loadAvgAtEnd = machine().loadAvgAtStart;
const out = join(BENCH_DIR, "results", `analytics${arg("tag") ? `-${arg("tag")}` : ""}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
const head = ["query (median / slowest ms)", ...results.runs.map((r) => `${r.store} @${tierName(r.rows)}`)];
const rowsOut = Object.keys(QUERIES).map((label) => [
  label,
  ...results.runs.map((r) => {
    const q = r.queries[label];
    return q.failed ? "refused" : `${q.medianMs} / ${q.maxMs}`;
  }),
]);
console.log(markdownTable(head, rowsOut));
console.error(`wrote ${out}`);
