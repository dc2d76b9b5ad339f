// @ts-check
/**
 * The soak (issue 14, item 6; not in CI): steady SDK-like load for `--minutes` (default 10) on two
 * collector processes on one fresh PostgreSQL database, with the Redis-shared rate limit and the
 * Prometheus plugin (server kind `production`). Samples each instance's RSS (/proc) and V8 heap
 * (its /metrics) every 5 s, request latency per minute, and the database's event and session
 * counts per minute; at the end checks that the database holds exactly the acknowledged events,
 * none twice. Writes bench/results/soak-<date>.json and prints the tables of bench/README.md.
 *
 *   node bench/src/soak.mjs [--minutes=10] [--rate=100] [--warmup=2] [--tag=x]
 *
 * `--rate`: batches per second in all (browsers = 2 × rate, each flushing every 2 s).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { execSync } from "node:child_process";
import { BENCH_DIR, METRICS_TOKEN, PROJECT_ID, percentile, rssOf, sleep } from "./common.mjs";
import { cpuSecondsOf, startServer } from "./processes.mjs";
import { connectAdmin, createDatabase, databaseCpuSeconds, databaseUrl, dropDatabase, serverVersion } from "./server-stores.mjs";
import { runBrowsers } from "./sdk-browsers.mjs";

const arg = (/** @type {string} */ name, /** @type {string} */ dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const MINUTES = Number(arg("minutes", "10"));
const RATE = Number(arg("rate", "100"));
const WARMUP_MIN = Number(arg("warmup", "2"));
const TAG = arg("tag", "");
const FLUSH_MS = 2_000;
const SAMPLE_MS = 5_000;
const MB = 1024 * 1024;

// ---------------------------------------------------------------- instance memory

/** Prometheus text → { "name" or "name{labels}": value }. */
function parseProm(/** @type {string} */ text) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    out[line.slice(0, cut)] = Number(line.slice(cut + 1));
  }
  return out;
}

/** Sum of a series over the label sets that contain every `match` fragment. */
function sumSeries(/** @type {Record<string, number>} */ prom, /** @type {string} */ name, /** @type {string[]} */ match = []) {
  let n = 0;
  for (const [k, v] of Object.entries(prom)) if ((k === name || k.startsWith(`${name}{`)) && match.every((m) => k.includes(m))) n += v;
  return n;
}

async function scrape(/** @type {string} */ base) {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET /metrics → ${res.status}`);
  return parseProm(await res.text());
}

/**
 * One reading of an instance: RSS from /proc, heap and event-loop lag from its /metrics.
 * @param {{ pid: number, base: string }} server
 */
async function memoryOf(server) {
  const prom = await scrape(server.base);
  const p = (/** @type {string} */ n) => prom[`heat_collector_${n}`] ?? NaN;
  return {
    rssMb: round1(rssOf(server.pid).rss),
    heapUsedMb: round1(p("nodejs_heap_size_used_bytes") / MB),
    heapTotalMb: round1(p("nodejs_heap_size_total_bytes") / MB),
    externalMb: round1(p("nodejs_external_memory_bytes") / MB),
    lagP99Ms: round1(p("nodejs_eventloop_lag_p99_seconds") * 1000),
    prom,
  };
}

const round1 = (/** @type {number} */ x) => Math.round(x * 10) / 10;
const round2 = (/** @type {number} */ x) => Math.round(x * 100) / 100;

/** Least-squares slope of (t minutes, y) points, per minute. */
function slope(/** @type {Array<[number, number]>} */ pts) {
  const n = pts.length;
  if (n < 2) return NaN;
  const mt = pts.reduce((s, [t]) => s + t, 0) / n;
  const my = pts.reduce((s, [, y]) => s + y, 0) / n;
  const num = pts.reduce((s, [t, y]) => s + (t - mt) * (y - my), 0);
  const den = pts.reduce((s, [t]) => s + (t - mt) ** 2, 0);
  return num / den;
}

// ---------------------------------------------------------------- the database

/** @param {import("./server-stores.mjs").Admin} db */
async function databaseCounts(db) {
  const [e] = await db.query("SELECT count(*) AS n FROM events WHERE project_id = $1", [PROJECT_ID]);
  const [s] = await db.query("SELECT count(*) AS n, coalesce(sum(event_count), 0) AS events FROM sessions WHERE project_id = $1", [PROJECT_ID]);
  const [size] = await db.query("SELECT pg_database_size(current_database()) AS b");
  return { events: Number(e.n), sessions: Number(s.n), sessionEventCount: Number(s.events), databaseMb: Math.round(Number(size.b) / MB) };
}

/**
 * The acknowledged keys against the events table, in the database: loaded into a temporary table,
 * then anti-joined both ways.
 * @param {import("./server-stores.mjs").Admin} db
 * @param {import("./sdk-browsers.mjs").AckLedger} ledger
 */
async function checkExactlyAcknowledged(db, ledger) {
  await db.query("CREATE TEMPORARY TABLE soak_acked (session_id text NOT NULL, event_id text NOT NULL)");
  for (const [sessions, events] of ledger.slices()) {
    await db.query("INSERT INTO soak_acked SELECT * FROM unnest($1::text[], $2::text[])", [sessions, events]);
  }
  await db.query("ANALYZE soak_acked");
  const one = async (/** @type {string} */ sql, /** @type {unknown[]} */ params = [PROJECT_ID]) => Number((await db.query(sql, params))[0].n);
  return {
    acknowledged: await one("SELECT count(*) AS n FROM soak_acked", []),
    acknowledgedDistinct: await one("SELECT count(*) AS n FROM (SELECT DISTINCT session_id, event_id FROM soak_acked) k", []),
    stored: await one("SELECT count(*) AS n FROM events WHERE project_id = $1"),
    storedDistinct: await one("SELECT count(*) AS n FROM (SELECT DISTINCT session_id, event_id FROM events WHERE project_id = $1) k"),
    acknowledgedNotStored: await one(
      "SELECT count(*) AS n FROM soak_acked a WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.project_id = $1 AND e.session_id = a.session_id AND e.event_id = a.event_id)",
    ),
    storedNotAcknowledged: await one(
      "SELECT count(*) AS n FROM events e WHERE e.project_id = $1 AND NOT EXISTS (SELECT 1 FROM soak_acked a WHERE a.session_id = e.session_id AND a.event_id = e.event_id)",
    ),
    acknowledgedSessions: await one("SELECT count(DISTINCT session_id) AS n FROM soak_acked", []),
    sessions: await one("SELECT count(*) AS n FROM sessions WHERE project_id = $1"),
    sessionEventCount: await one("SELECT coalesce(sum(event_count), 0) AS n FROM sessions WHERE project_id = $1"),
  };
}

// ---------------------------------------------------------------- the run

const gitHead = () => {
  try {
    return execSync("git rev-parse --short HEAD", { cwd: BENCH_DIR }).toString().trim() + (execSync("git status --porcelain -- ../core ../plugins ../storage-adapters", { cwd: BENCH_DIR }).toString().trim() ? " (+uncommitted)" : "");
  } catch {
    return "unknown";
  }
};

async function main() {
  const dbName = `hc_soak_${randomBytes(4).toString("hex")}`;
  const prefix = `hc-soak:${randomBytes(6).toString("hex")}`;
  const startedAt = new Date().toISOString();
  console.error(`soak: ${MINUTES} min at ${RATE} batches/s on ${dbName}, started ${startedAt}`);
  await createDatabase("pg", dbName);
  const url = databaseUrl("pg", dbName);
  /** @type {Array<import("./processes.mjs").Server>} */
  const servers = [];
  const db = await connectAdmin("pg", dbName);
  try {
    for (let i = 0; i < 2; i++) servers.push(await startServer("production", url, [], { env: { BENCH_RATE_LIMIT_PREFIX: prefix }, heapMb: null }));
    await sleep(2_000);
    const names = ["A", "B"];
    /** @type {Array<{ t: number, instance: string } & Omit<Awaited<ReturnType<typeof memoryOf>>, "prom">>} */
    const samples = [];
    const sampleAll = async (/** @type {number} */ t) => {
      const got = await Promise.all(servers.map((s) => memoryOf(s)));
      got.forEach(({ prom, ...m }, i) => samples.push({ t: round1(t), instance: names[i], ...m }));
      return got;
    };
    const atStart = await sampleAll(-1 / 60);
    const cpu0 = { instances: servers.map((s) => cpuSecondsOf(s.pid)), database: databaseCpuSeconds("pg") };
    const load0 = loadavg()[0];

    /** @type {Array<{ latencies: number[], outcomes: Record<string, number> }>} */
    const minutes = Array.from({ length: MINUTES + 2 }, () => ({ latencies: [], outcomes: {} }));
    const t0 = Date.now();
    let stop = () => undefined;
    const stopped = new Promise((/** @type {(v?: void) => void} */ r) => (stop = r));
    const running = runBrowsers(
      {
        browsers: Math.round((RATE * FLUSH_MS) / 1000),
        flushMs: FLUSH_MS,
        urls: servers.map((s) => s.base),
        t0,
        onAttempt: (minute, outcome, ms) => {
          const m = minutes[Math.min(minute, minutes.length - 1)];
          m.outcomes[String(outcome)] = (m.outcomes[String(outcome)] ?? 0) + 1;
          if (typeof outcome === "number" && outcome >= 200 && outcome < 300) m.latencies.push(ms);
        },
      },
      stopped,
      120_000,
    );

    // Per-minute rows: latency, outcomes, memory, database counts, CPU.
    const perMinute = [];
    let cpuPrev = cpu0;
    const sampler = setInterval(() => void sampleAll((Date.now() - t0) / 60_000).catch((e) => console.error(`sample failed: ${e.message}`)), SAMPLE_MS);
    for (let m = 0; m < MINUTES; m++) {
      await sleep(Math.max(0, t0 + (m + 1) * 60_000 - Date.now()));
      const counts = await databaseCounts(db);
      const cpu = { instances: servers.map((s) => cpuSecondsOf(s.pid)), database: databaseCpuSeconds("pg") };
      const lat = [...minutes[m].latencies].sort((a, b) => a - b);
      const mem = names.map((n) => samples.filter((s) => s.instance === n && s.t >= m && s.t < m + 1));
      const row = {
        minute: m + 1,
        attempts: Object.values(minutes[m].outcomes).reduce((a, b) => a + b, 0),
        outcomes: minutes[m].outcomes,
        p50: round1(percentile(lat, 50)),
        p90: round1(percentile(lat, 90)),
        p99: round1(percentile(lat, 99)),
        max: round1(lat[lat.length - 1] ?? NaN),
        ...counts,
        instances: names.map((n, i) => ({
          instance: n,
          rssMb: mem[i].at(-1)?.rssMb,
          rssMaxMb: Math.max(...mem[i].map((s) => s.rssMb)),
          heapUsedMinMb: Math.min(...mem[i].map((s) => s.heapUsedMb)),
          heapUsedMaxMb: Math.max(...mem[i].map((s) => s.heapUsedMb)),
          heapTotalMb: mem[i].at(-1)?.heapTotalMb,
          externalMb: mem[i].at(-1)?.externalMb,
          lagP99MaxMs: Math.max(...mem[i].map((s) => s.lagP99Ms)),
          cpuS: round1(cpu.instances[i] - cpuPrev.instances[i]),
        })),
        databaseCpuS: round1(cpu.database - cpuPrev.database),
        loadavg1: round1(loadavg()[0]),
      };
      cpuPrev = cpu;
      perMinute.push(row);
      console.error(
        `min ${row.minute}: ${row.attempts} attempts ${JSON.stringify(row.outcomes)} p50 ${row.p50} p99 ${row.p99} ms; db ${row.events} events ${row.sessions} sessions; ` +
          row.instances.map((i) => `${i.instance} rss ${i.rssMb} heap ${i.heapUsedMinMb}-${i.heapUsedMaxMb}`).join(", "),
      );
    }
    stop();
    const totals = await running;
    const loadSeconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const atEnd = await sampleAll((Date.now() - t0) / 60_000);
    const endCounts = await databaseCounts(db);

    // Idle after the load: does memory come back down?
    await sleep(30_000);
    const afterIdle = await sampleAll((Date.now() - t0) / 60_000);
    console.error("checking the database against the acknowledged events…");
    const check = await checkExactlyAcknowledged(db, totals.ledger);
    const cpuEnd = { instances: servers.map((s) => cpuSecondsOf(s.pid)), database: databaseCpuSeconds("pg") };

    const reading = (/** @type {Awaited<ReturnType<typeof memoryOf>>} */ m) => ({ rssMb: m.rssMb, heapUsedMb: m.heapUsedMb, heapTotalMb: m.heapTotalMb, externalMb: m.externalMb });
    const afterWarmup = names.map((n) => samples.find((s) => s.instance === n && s.t >= WARMUP_MIN));
    const steady = (/** @type {string} */ n, /** @type {"rssMb" | "heapUsedMb"} */ k) =>
      samples.filter((s) => s.instance === n && s.t >= WARMUP_MIN && s.t <= MINUTES).map((s) => /** @type {[number, number]} */ ([s.t, s[k]]));
    const instances = names.map((n, i) => {
      const rssPts = steady(n, "rssMb");
      const heapPts = steady(n, "heapUsedMb");
      // The heap's floor per minute (its lowest reading, nearest to just after a collection).
      const floors = perMinute.filter((r) => r.minute > WARMUP_MIN).map((r) => /** @type {[number, number]} */ ([r.minute, r.instances[i].heapUsedMinMb]));
      const prom = atEnd[i].prom;
      return {
        instance: n,
        pid: servers[i].pid,
        atStart: reading(atStart[i]),
        afterWarmup: afterWarmup[i] && { t: afterWarmup[i]?.t, rssMb: afterWarmup[i]?.rssMb, heapUsedMb: afterWarmup[i]?.heapUsedMb },
        atEndOfLoad: reading(atEnd[i]),
        after30sIdle: reading(afterIdle[i]),
        rssMaxMb: Math.max(...samples.filter((s) => s.instance === n).map((s) => s.rssMb)),
        steadyRssSlopeMbPerMin: round2(slope(rssPts)),
        steadyHeapUsedSlopeMbPerMin: round2(slope(heapPts)),
        heapFloorSlopeMbPerMin: round2(slope(floors)),
        cpuSeconds: round1(cpuEnd.instances[i] - cpu0.instances[i]),
        reported: {
          requestsByStatus: Object.fromEntries(
            Object.entries(prom)
              .filter(([k]) => k.startsWith("heat_collector_ingest_requests_total{"))
              .map(([k, v]) => [/status="(\d+)"/.exec(k)?.[1] + "/" + /code="([^"]+)"/.exec(k)?.[1], v]),
          ),
          eventsStored: sumSeries(prom, "heat_collector_ingest_events_total", ['outcome="stored"']),
          eventsDuplicate: sumSeries(prom, "heat_collector_ingest_events_total", ['outcome="duplicate"']),
          storageErrors: sumSeries(prom, "heat_collector_storage_errors_total"),
        },
      };
    });

    const allOutcomes = {};
    for (const m of minutes) for (const [k, v] of Object.entries(m.outcomes)) allOutcomes[k] = (allOutcomes[k] ?? 0) + v;
    const allLat = minutes.flatMap((m) => m.latencies).sort((a, b) => a - b);
    const result = {
      kind: "soak",
      startedAt,
      commit: gitHead(),
      node: process.version,
      postgres: await serverVersion("pg"),
      machine: { cores: (await import("node:os")).cpus().length, loadavg1AtStart: round1(load0), loadavg1AtEnd: round1(loadavg()[0]) },
      setup: {
        minutes: MINUTES,
        batchesPerSecond: RATE,
        browsers: Math.round((RATE * FLUSH_MS) / 1000),
        flushMs: FLUSH_MS,
        eventsPerBatch: "1..50, uniform",
        instances: 2,
        rateLimit: "windowMs 10000, max 120 per key and IP, in Redis (shared)",
        sampleEverySeconds: SAMPLE_MS / 1000,
        warmupMinutes: WARMUP_MIN,
        heap: "Node's default limit",
      },
      load: {
        seconds: round1(loadSeconds),
        batches: totals.batches,
        eventsSent: totals.sent,
        eventsAcknowledged: totals.acked,
        batchesUnacknowledged: totals.unacknowledged,
        retries: totals.retries,
        attemptsByOutcome: allOutcomes,
        latencyMs: { p50: round1(percentile(allLat, 50)), p90: round1(percentile(allLat, 90)), p99: round1(percentile(allLat, 99)), max: round1(allLat.at(-1) ?? NaN) },
        achievedBatchesPerSecond: round1(totals.batches / loadSeconds),
        achievedEventsPerSecond: Math.round(totals.sent / loadSeconds),
      },
      database: {
        atEndOfLoad: endCounts,
        check,
        exact:
          check.acknowledgedNotStored === 0 &&
          check.storedNotAcknowledged === 0 &&
          check.stored === check.storedDistinct &&
          check.stored === totals.acked &&
          check.sessionEventCount === check.stored,
        cpuSeconds: round1(cpuEnd.database - cpu0.database),
      },
      instances,
      /** SIGTERM to exit, per instance (collector.close(): drain, then pools closed). */
      shutdownMs: /** @type {number[]} */ ([]),
      perMinute,
      samples,
    };
    for (const s of servers.splice(0)) {
      const t = performance.now();
      await s.stop();
      result.shutdownMs.push(Math.round(performance.now() - t));
    }

    const dir = join(BENCH_DIR, "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `soak-${startedAt.slice(0, 10)}${TAG ? `-${TAG}` : ""}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
    console.error(`wrote ${file}`);
    printTables(result);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.close();
    await dropDatabase("pg", dbName);
  }
}

/** The soak section's tables (markdown) on stdout. */
function printTables(/** @type {any} */ r) {
  const out = [];
  out.push("| instance | RSS MB at start / after warm-up / end of load / 30 s idle | heap used MB same | RSS max | slope after warm-up, MB/min: RSS / heap used / heap floor |");
  out.push("|---|---|---|---|---|");
  for (const i of r.instances) {
    out.push(
      `| ${i.instance} | ${i.atStart.rssMb} / ${i.afterWarmup?.rssMb} / ${i.atEndOfLoad.rssMb} / ${i.after30sIdle.rssMb} | ${i.atStart.heapUsedMb} / ${i.afterWarmup?.heapUsedMb} / ${i.atEndOfLoad.heapUsedMb} / ${i.after30sIdle.heapUsedMb} | ${i.rssMaxMb} | ${i.steadyRssSlopeMbPerMin} / ${i.steadyHeapUsedSlopeMbPerMin} / ${i.heapFloorSlopeMbPerMin} |`,
    );
  }
  out.push("");
  out.push("| minute | attempts | non-2xx | p50 / p99 / max ms | events in db | sessions | A: RSS, heap min–max MB | B: RSS, heap min–max MB | CPU s A / B / pg | load avg |");
  out.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const m of r.perMinute) {
    const non2xx = Object.entries(m.outcomes).filter(([k]) => !/^2\d\d$/.test(k)).map(([k, v]) => `${v}× ${k}`).join(", ") || "0";
    const [a, b] = m.instances;
    out.push(
      `| ${m.minute} | ${m.attempts.toLocaleString("en")} | ${non2xx} | ${m.p50} / ${m.p99} / ${m.max} | ${m.events.toLocaleString("en")} | ${m.sessions.toLocaleString("en")} | ${a.rssMb}, ${a.heapUsedMinMb}–${a.heapUsedMaxMb} | ${b.rssMb}, ${b.heapUsedMinMb}–${b.heapUsedMaxMb} | ${a.cpuS} / ${b.cpuS} / ${m.databaseCpuS} | ${m.loadavg1} |`,
    );
  }
  out.push("");
  const c = r.database.check;
  out.push(
    `sent ${r.load.eventsSent} events in ${r.load.batches} batches, acknowledged ${r.load.eventsAcknowledged}, unacknowledged batches ${r.load.batchesUnacknowledged}, retries ${r.load.retries}; ` +
      `stored ${c.stored} (distinct ${c.storedDistinct}), acknowledged not stored ${c.acknowledgedNotStored}, stored not acknowledged ${c.storedNotAcknowledged}; ` +
      `sessions ${c.sessions} (acknowledged ${c.acknowledgedSessions}), their event counts ${c.sessionEventCount}; exact: ${r.database.exact}; outcomes ${JSON.stringify(r.load.attemptsByOutcome)}`,
  );
  console.log(out.join("\n"));
}

await main();
