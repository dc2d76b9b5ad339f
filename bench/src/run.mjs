// @ts-check
/**
 * Side-by-side benchmark of heat-collector (ours), the published baseline
 * (@m-software-engineering/heat-collector@0.3.7) and bare Express+express.json, each server in its
 * own child process. `node src/run.mjs [--quick] [--profile] [--skip-ingest] [--skip-heatmap]`.
 * Prints ours vs baseline (and bare) with ratios; writes bench/results/collector-<mode>.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, PROJECT_ID, benchRequire, median, sleep, timedGet } from "./common.mjs";
import { bodySource, cannon, largeBatches } from "./ingest-load.mjs";
import { startServer, watchRss } from "./processes.mjs";
import { fmt, loadAvg, machine, markdownTable, ratio } from "./report.mjs";
import { stallProbe } from "./stall-probe.mjs";
import { WINDOW_END, WINDOW_START } from "./workload.mjs";

const argv = new Set(process.argv.slice(2));
/** `--systems=ours,baseline` limits the run (default: all three). */
const SYSTEMS = (process.argv.find((a) => a.startsWith("--systems="))?.slice(10) ?? "bare,baseline,ours").split(",");
const QUICK = argv.has("--quick");
const PROFILE = argv.has("--profile");
/** `--ts=spread`: ingest bodies with the pre-session-4 time shape (see bodySource). */
const SPREAD_TS = argv.has("--ts=spread");
const MODE = QUICK ? "quick" : "full";
const CFG = QUICK
  ? { ingestSeconds: 5, warmupSeconds: 1, tiers: [10_000, 100_000], baselineMaxTier: 100_000, stallSeconds: 3 }
  : { ingestSeconds: 15, warmupSeconds: 3, tiers: [100_000, 1_000_000, 10_000_000], baselineMaxTier: 1_000_000, stallSeconds: 10 };
const tiersArg = process.argv.find((a) => a.startsWith("--tiers="));
if (tiersArg) CFG.tiers = tiersArg.slice(8).split(",").map(Number);
const CONNECTIONS = 20;
const HEAT_REPS = 10;
const DATA = join(BENCH_DIR, ".data");
const PROF_DIR = join(DATA, "prof");
mkdirSync(DATA, { recursive: true });
const Database = benchRequire("better-sqlite3");

/** @typedef {import("./processes.mjs").Kind} Kind */

/** A server of `kind` on a SQLite file; ours under `node --cpu-prof` with --profile. */
const serverOn = (kind, file, profileTag) =>
  startServer(kind, file, PROFILE && profileTag && kind === "ours" ? ["--cpu-prof", `--cpu-prof-dir=${join(PROF_DIR, profileTag)}`] : []);

function rmDb(file) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

function countRows(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return /** @type {{ n: number }} */ (db.prepare("SELECT count(*) AS n FROM events").get()).n;
  } finally {
    db.close();
  }
}

/** Ours only: events committed but not yet folded into the heat rollup (deferred work). */
function foldLag(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = /** @type {{ lag: number }} */ (
      db.prepare("SELECT COALESCE((SELECT MAX(seq) FROM events), 0) - (SELECT MIN(last_seq) FROM heat_fold_state) AS lag").get()
    );
    return row.lag;
  } finally {
    db.close();
  }
}

/** Waits until the server's background fold has caught up; returns the backlog and the seconds it took. */
async function foldCatchUp(file) {
  const backlog = foldLag(file);
  const started = performance.now();
  while (foldLag(file) > 0 && performance.now() - started < 120_000) await sleep(100);
  return { backlogEvents: backlog, catchUpSeconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------- ingest

async function ingest(kind) {
  const file = join(DATA, `ingest-${kind}.db`);
  rmDb(file);
  const server = await serverOn(kind, file, "ingest");
  try {
    const source = bodySource({ spread: SPREAD_TS });
    await cannon(server, source, CFG.warmupSeconds, CONNECTIONS);
    const rowsBefore = kind === "bare" ? 0 : countRows(file);
    const stopRss = watchRss(server.pid);
    const r = /** @type {any} */ (await cannon(server, source, CFG.ingestSeconds, CONNECTIONS));
    const peakRssMb = stopRss();
    await sleep(500);
    const rowsAfter = kind === "bare" ? 0 : countRows(file);
    // Ours folds events into its heat rollup behind the writes: report the work left when the load
    // stopped, and the rate that includes it (events stored / (load time + catch-up time)).
    const fold = kind === "ours" ? await foldCatchUp(file) : undefined;
    const ok = r["2xx"];
    const rowsPerBody = kind === "baseline" ? source.pool.reduce((a, p) => a + p.rows, 0) / source.pool.length : 50;
    const large = kind === "bare" ? [] : await largeBatches(server);
    return {
      requestsPerSec: ok / r.duration,
      eventsPerSec: (ok * 50) / r.duration,
      rowsStoredPerSec: (rowsAfter - rowsBefore) / r.duration,
      latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
      ok,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      rowsStored: rowsAfter - rowsBefore,
      rowsInAcceptedBodies: Math.round(ok * rowsPerBody),
      peakRssMb,
      bodyBytesMean: Math.round(source.pool.reduce((a, p) => a + p.text.length, 0) / source.pool.length),
      largeBatches: large,
      ...(fold && {
        foldBacklogEvents: fold.backlogEvents,
        foldCatchUpSeconds: fold.catchUpSeconds,
        eventsPerSecIncludingFold: (rowsAfter - rowsBefore) / (r.duration + 0.5 + fold.catchUpSeconds),
      }),
    };
  } finally {
    await server.stop();
    rmDb(file);
  }
}

// ---------------------------------------------------------------- heatmap

/** A seeded store, cached under bench/.data (seeding is timed the first time). */
function seeded(kind, rows) {
  const file = join(DATA, `${kind}-${rows}.db`);
  const meta = `${file}.seed.json`;
  if (existsSync(file) && existsSync(meta)) return { file, seed: { ...JSON.parse(readFileSync(meta, "utf8")), cached: true } };
  rmDb(file);
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(BENCH_DIR, "src", "seed.mjs"), kind, file, String(rows)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`seeding ${kind} ${rows} failed`);
  const seed = { ...JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}"), wallSeconds: (performance.now() - t) / 1000 };
  writeFileSync(meta, JSON.stringify(seed));
  return { file, seed: { ...seed, cached: false } };
}

const HEAT_WHOLE = `type=all&path=/&from=${WINDOW_START}&to=${WINDOW_END}`;
/** Same range less 30 min at each end: ours then also scans raw events for two partial hours. */
const HEAT_EDGES = `type=all&path=/&from=${WINDOW_START + 1_800_000}&to=${WINDOW_END - 1_800_000}`;

async function heatmap(kind, rows) {
  const { file, seed } = seeded(kind, rows);
  const server = await serverOn(kind, file, `heatmap-${rows}`);
  const url = (q) => `${server.base}/api/projects/${PROJECT_ID}/heatmap?${q}`;
  const sessionsUrl = `${server.base}/api/projects/${PROJECT_ID}/sessions?limit=50`;
  try {
    const sessionsIdle = [];
    for (let i = 0; i < HEAT_REPS; i++) sessionsIdle.push((await timedGet(sessionsUrl)).ms);
    const first = await timedGet(url(HEAT_WHOLE)); // warm-up (also first-touch of the page cache), reported apart
    const stopRss = watchRss(server.pid);
    const times = [];
    for (let i = 0; i < HEAT_REPS; i++) times.push((await timedGet(url(HEAT_WHOLE))).ms);
    const edges = [];
    if (kind === "ours") for (let i = 0; i < HEAT_REPS; i++) edges.push((await timedGet(url(HEAT_EDGES))).ms);

    // Event-loop stall: two clients loop on the heatmap while a third asks for the sessions list.
    const cheapDuringHeatmap = await stallProbe(url(HEAT_WHOLE), sessionsUrl, CFG.stallSeconds);
    const peakRssMb = stopRss();
    return {
      rows,
      seed,
      responseBytes: first.bytes,
      firstMs: first.ms,
      heatmapMedianMs: median(times),
      heatmapMs: times,
      ...(edges.length > 0 && { heatmapWithEdgesMedianMs: median(edges) }),
      peakRssMb,
      sessionsIdleMedianMs: median(sessionsIdle),
      cheapDuringHeatmap,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- report

function printTable(results) {
  const rows = [];
  const I = results.ingest;
  if (I) {
    const o = I.ours;
    const b = I.baseline;
    const x = I.bare;
    rows.push(["ingest requests/s (20 conn)", fmt(o?.requestsPerSec), fmt(b?.requestsPerSec), fmt(x?.requestsPerSec), ratio(o?.requestsPerSec, b?.requestsPerSec, true), ratio(o?.requestsPerSec, x?.requestsPerSec, true)]);
    rows.push(["ingest events/s", fmt(o?.eventsPerSec), fmt(b?.eventsPerSec), fmt(x?.eventsPerSec), ratio(o?.eventsPerSec, b?.eventsPerSec, true), ratio(o?.eventsPerSec, x?.eventsPerSec, true)]);
    rows.push(["stored rows/s", fmt(o?.rowsStoredPerSec), fmt(b?.rowsStoredPerSec), "—", "(rows differ)", ""]);
    rows.push(["latency p50 ms", fmt(o?.latencyMs.p50, 1), fmt(b?.latencyMs.p50, 1), fmt(x?.latencyMs.p50, 1), ratio(o?.latencyMs.p50, b?.latencyMs.p50, false), ""]);
    rows.push(["latency p99 ms", fmt(o?.latencyMs.p99, 1), fmt(b?.latencyMs.p99, 1), fmt(x?.latencyMs.p99, 1), ratio(o?.latencyMs.p99, b?.latencyMs.p99, false), ""]);
    rows.push(["ours: rollup fold backlog at stop / catch-up s", o?.foldBacklogEvents === undefined ? "—" : `${fmt(o.foldBacklogEvents)} / ${o.foldCatchUpSeconds.toFixed(1)}`, "—", "—", "", ""]);
    rows.push(["ours: events/s including the fold", fmt(o?.eventsPerSecIncludingFold), fmt(b?.eventsPerSec), "—", o?.eventsPerSecIncludingFold && b?.eventsPerSec ? `${(o.eventsPerSecIncludingFold / b.eventsPerSec).toFixed(1)}×` : "—", ""]);
    rows.push(["rows stored / in accepted bodies", `${fmt(o?.rowsStored)} / ${fmt(o?.rowsInAcceptedBodies)}`, `${fmt(b?.rowsStored)} / ${fmt(b?.rowsInAcceptedBodies)}`, "—", "", ""]);
    rows.push(["non-2xx / errors", `${o?.non2xx ?? "—"} / ${o?.errors ?? "—"}`, `${b?.non2xx ?? "—"} / ${b?.errors ?? "—"}`, `${x?.non2xx ?? "—"} / ${x?.errors ?? "—"}`, "", ""]);
    rows.push(["server peak RSS MB (ingest)", fmt(o?.peakRssMb), fmt(b?.peakRssMb), fmt(x?.peakRssMb), "", ""]);
    for (let i = 0; i < (o?.largeBatches.length ?? 0); i++) {
      const lo = o.largeBatches[i];
      const lb = b?.largeBatches[i];
      rows.push([`batch of ${lo.points} points (${fmt(lo.bytes / 1000)} kB)`, `HTTP ${lo.status}`, lb ? `HTTP ${lb.status}` : "—", "", "", ""]);
    }
  }
  for (const tier of results.heatmap ?? []) {
    const o = tier.ours;
    const b = tier.baseline;
    const n = fmt(tier.rows);
    rows.push([`heatmap @${n} rows, median ms`, fmt(o?.heatmapMedianMs, 1), b ? fmt(b.heatmapMedianMs, 1) : "not run", "", ratio(o?.heatmapMedianMs, b?.heatmapMedianMs, false), ""]);
    if (o?.heatmapWithEdgesMedianMs !== undefined) rows.push([`  same, with partial-hour edges`, fmt(o.heatmapWithEdgesMedianMs, 1), "", "", "", ""]);
    rows.push([`  server peak RSS MB`, fmt(o?.peakRssMb), b ? fmt(b.peakRssMb) : "", "", ratio(o?.peakRssMb, b?.peakRssMb, false), ""]);
    rows.push([`  sessions list during heatmaps p50/p99 ms`, `${fmt(o?.cheapDuringHeatmap.p50, 1)} / ${fmt(o?.cheapDuringHeatmap.p99, 1)}`, b ? `${fmt(b.cheapDuringHeatmap.p50, 1)} / ${fmt(b.cheapDuringHeatmap.p99, 1)}` : "", "", ratio(o?.cheapDuringHeatmap.p99, b?.cheapDuringHeatmap.p99, false), ""]);
    rows.push([`  sessions list idle, median ms`, fmt(o?.sessionsIdleMedianMs, 1), b ? fmt(b.sessionsIdleMedianMs, 1) : "", "", ratio(o?.sessionsIdleMedianMs, b?.sessionsIdleMedianMs, false), ""]);
  }
  const out = markdownTable(["metric", "ours", "baseline 0.3.7", "bare express", "ours vs baseline", "ours vs bare"], rows);
  console.log(out);
  return out;
}

function profileSummaries() {
  if (!PROFILE || !existsSync(PROF_DIR)) return {};
  const out = {};
  for (const tag of readdirSync(PROF_DIR)) {
    // One profile per thread, CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: ours runs the HTTP thread (0),
    // the SQLite writer (1) and its checkpoint thread (2).
    const names = ["HTTP thread", "writer thread", "checkpoint thread"];
    const files = readdirSync(join(PROF_DIR, tag)).filter((f) => f.endsWith(".cpuprofile"));
    if (files.length === 0) continue;
    out[tag] = {};
    for (const f of files) {
      const thread = Number(f.split(".")[4]);
      const r = spawnSync(process.execPath, [join(BENCH_DIR, "src", "prof-top.mjs"), join(PROF_DIR, tag, f), "15"], { encoding: "utf8" });
      out[tag][names[thread] ?? `thread ${thread}`] = r.stdout.split("\n").filter(Boolean);
    }
  }
  return out;
}

async function main() {
  const started = Date.now();
  if (PROFILE) rmSync(PROF_DIR, { recursive: true, force: true });
  /** @type {any} */
  const results = { mode: MODE, startedAt: new Date(started).toISOString(), machine: machine(), config: { ...CFG, connections: CONNECTIONS, heatmapReps: HEAT_REPS, heatmapQuery: HEAT_WHOLE, heatmapEdgesQuery: HEAT_EDGES } };
  if (!argv.has("--skip-ingest")) {
    results.ingest = {};
    for (const kind of /** @type {Kind[]} */ (["bare", "baseline", "ours"])) {
      if (!SYSTEMS.includes(kind)) continue;
      console.error(`ingest: ${kind}…`);
      results.ingest[kind] = await ingest(kind);
    }
  }
  if (!argv.has("--skip-heatmap")) {
    results.heatmap = [];
    for (const rows of CFG.tiers) {
      const tier = { rows };
      for (const kind of /** @type {Kind[]} */ (["baseline", "ours"])) {
        if (!SYSTEMS.includes(kind) || (kind === "baseline" && rows > CFG.baselineMaxTier)) continue;
        console.error(`heatmap: ${kind} @ ${rows} rows…`);
        tier[kind] = await heatmap(kind, rows);
      }
      results.heatmap.push(tier);
    }
  }
  results.seconds = (Date.now() - started) / 1000;
  results.machine.loadAvgAtEnd = loadAvg();
  results.table = printTable(results);
  results.profiles = profileSummaries();
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  const tag = process.argv.find((a) => a.startsWith("--tag="))?.slice(6);
  const out = join(BENCH_DIR, "results", `collector-${MODE}${PROFILE ? "-profile" : ""}${tag ? `-${tag}` : ""}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.error(`wrote ${out} in ${results.seconds.toFixed(0)} s`);
}

// Exit explicitly: fetch's keep-alive sockets would otherwise hold the process open.
main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
