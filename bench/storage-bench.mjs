#!/usr/bin/env node
/**
 * Storage benchmark (GitHub issue 3): per store, ingest throughput into a store that ends at
 * EVENTS stored events, then heatmap query times at that size. Not a test.
 *
 *   npm run build && node bench/storage-bench.mjs [--events 100000] [--stores sqlite,pg,mysql] [--writers 8] [--idle 5] [--label name]
 *
 * Ingest calls the adapter's writeBatch directly (SDK-sized batches of 50 events, --writers at
 * once (default 8), as concurrent HTTP requests would), timing each call (p50/p99) and sampling
 * the process's RSS; then the rollup backlog is folded (foldRollup, timed) and the process's CPU
 * is measured over --idle seconds without writes (background work). The heatmap goes through the
 * collector's HTTP API, so it includes the kernel's assembly of rollup rows and edge scans. Each
 * store gets a fresh database (random name) dropped afterwards. Results:
 * bench/results/storage-<date>.json.
 * Env: PG_URL (default postgres://postgres@127.0.0.1:5432/test), MARIADB_URL (mysql://root@127.0.0.1:3306/test).
 */
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

// The built workspace packages, resolved from the repository root (bench/ has its own node_modules).
const require = createRequire(new URL("../package.json", import.meta.url));
const express = require("express");
const { createCollector } = require("@m-software-engineering/heat-collector");
const { SqliteStorage } = require("@m-software-engineering/heat-collector-storage-sqlite");
const { SequelizeStorage } = require("@m-software-engineering/heat-collector-storage-sequelize");

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
};
const EVENTS = Number(arg("events", "100000"));
const STORES = arg("stores", "sqlite,pg,mysql").split(",");
const BATCH = 50;
const WRITERS = Number(arg("writers", "8"));
const QUERY_RUNS = 15;
const IDLE_S = Number(arg("idle", "5"));
const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MARIADB_URL = process.env.MARIADB_URL ?? "mysql://root@127.0.0.1:3306/test";
const T0 = Date.UTC(2026, 9, 1);
const HOUR = 3600_000;
const PAGES = ["/", "/pricing", "/docs/getting-started", "/blog/ünïcode-😀", "/checkout"];

/**
 * Batch `b` of the deterministic SDK-shaped data, spread over 3 days: 60% click, 20% move (5 points),
 * 10% scroll, 10% pageview. Built when written (each batch from its own seed), so the bench holds no
 * data set in memory and the RSS it reports is the store's.
 */
function batchAt(projectId, b) {
  let rnd = (42 + b * 7919) % 2 ** 31;
  const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const sessionId = `bench-s${b % 500}`;
  const events = [];
  for (let i = 0; i < BATCH; i++) {
    const n = b * BATCH + i;
    const ts = T0 + Math.floor((n / EVENTS) * 72 * HOUR);
    const page = PAGES[n % PAGES.length];
    const r = next();
    const base = { projectId, eventId: `bench-e${n}`, sessionId, userId: null, ts, path: page, page, bucket: "1300x700" };
    const extra = { viewport: { w: 1280, h: 720 }, device: { ua: "bench" } };
    const x = Math.floor(next() * 1280);
    const y = Math.floor(next() * 3000);
    if (r < 0.6) events.push({ ...base, type: "click", data: { ...extra, x, y, selector: "main > button.cta", button: 0 } });
    else if (r < 0.8) events.push({ ...base, type: "move", data: { ...extra, points: Array.from({ length: 5 }, (_, k) => ({ x: x + k * 9, y: y + k * 3, tsOffset: k * 80 })) } });
    else if (r < 0.9) events.push({ ...base, type: "scroll", data: { ...extra, scrollY: y, scrollDepthPct: Math.floor(next() * 100) } });
    else events.push({ ...base, type: "pageview", data: { ...extra, to: page } });
  }
  const first = events[0];
  const last = events[events.length - 1];
  return {
    projectId,
    sessions: [{ projectId, sessionId, userId: null, userTraits: null, startedAt: first.ts, lastSeenAt: last.ts, firstPath: first.path, app: null, device: null }],
    events,
  };
}
const BATCHES = EVENTS / BATCH;

async function adminQuery(dialect, url, sql) {
  const s = new SequelizeStorage({ dialect, connectionString: url, poolMax: 1 });
  try {
    await s.sequelize.query(sql);
  } finally {
    await s.close();
  }
}

function withDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh store: { storage, cleanup }. */
async function openStore(name) {
  if (name === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "heat-bench-"));
    return { storage: new SqliteStorage({ file: join(dir, "bench.db") }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const [dialect, url] = name === "pg" ? ["pg", PG_URL] : ["mysql", MARIADB_URL];
  const db = `hc_bench_${randomBytes(5).toString("hex")}`;
  await adminQuery(dialect, url, `CREATE DATABASE ${db}`);
  return {
    storage: new SequelizeStorage({ dialect, connectionString: withDb(url, db), poolMax: WRITERS + 2 }),
    cleanup: () => adminQuery(dialect, url, dialect === "pg" ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function benchStore(name) {
  const { storage, cleanup } = await openStore(name);
  const project = { id: "bench", key: "hk_bench_key_0123456789abcdef0123" };
  const collector = await createCollector({ storage, auth: { mode: "projectKey" }, projects: [project], queryAuth: false, logging: { level: "error" }, ingestion: { rateLimit: false } });
  const app = express();
  app.use(collector.router);
  const server = app.listen(0);
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    let cursor = 0;
    let stored = 0;
    const latencies = [];
    let peakRss = process.memoryUsage.rss();
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (cursor < BATCHES) {
          const batch = batchAt(project.id, cursor++);
          const s = performance.now();
          const { inserted } = await storage.writeBatch(batch);
          latencies.push(performance.now() - s);
          stored += inserted;
        }
      }),
    );
    const ingestMs = performance.now() - t0;
    clearInterval(rssTimer);
    const backlog = typeof storage.rollupBacklog === "function" ? await storage.rollupBacklog() : null;
    const tf = performance.now();
    await storage.foldRollup();
    const foldMs = performance.now() - tf;
    // Background work with nothing written: CPU of this process over IDLE_S seconds.
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const cpu = process.cpuUsage(cpu0);
    const idleCpuPct = +(((cpu.user + cpu.system) / 1000 / (IDLE_S * 1000)) * 100).toFixed(2);
    if (stored !== EVENTS) throw new Error(`${name}: stored ${stored} of ${EVENTS}`);
    // A re-sent 10% must store nothing (and costs what retries cost).
    const t1 = performance.now();
    let dup = 0;
    for (let b = 0; b < BATCHES / 10; b++) dup += (await storage.writeBatch(batchAt(project.id, b))).duplicates;
    const resendMs = performance.now() - t1;

    const queries = {
      "click, all time (rollup only)": "/heatmap?type=click",
      "all types, all time": "/heatmap?type=all",
      "all types, one page, all time": `/heatmap?type=all&path=${encodeURIComponent("/pricing")}`,
      "click, 2 days with partial-hour edges": `/heatmap?type=click&from=${T0 + 90 * 60_000}&to=${T0 + 49 * HOUR + 25 * 60_000}`,
    };
    const heatmap = {};
    for (const [label, q] of Object.entries(queries)) {
      const times = [];
      let total = 0;
      for (let i = 0; i < QUERY_RUNS; i++) {
        const s = performance.now();
        const res = await fetch(`${base}/api/projects/${project.id}${q}`);
        const body = await res.json();
        times.push(performance.now() - s);
        if (res.status !== 200) throw new Error(`${name} ${label}: ${res.status} ${JSON.stringify(body)}`);
        total = body.meta.total;
      }
      heatmap[label] = { medianMs: +median(times).toFixed(2), firstMs: +times[0].toFixed(2), total };
    }
    return {
      store: storage.name,
      events: EVENTS,
      ingest: {
        eventsPerSecond: Math.round((EVENTS / ingestMs) * 1000),
        ms: Math.round(ingestMs),
        batch: BATCH,
        writers: WRITERS,
        p50Ms: +percentile(latencies, 0.5).toFixed(1),
        p99Ms: +percentile(latencies, 0.99).toFixed(1),
        peakRssMb: Math.round(peakRss / 2 ** 20),
      },
      fold: { backlogEvents: backlog, ms: Math.round(foldMs) },
      idleCpuPct,
      resend: { events: dup, eventsPerSecond: Math.round((dup / resendMs) * 1000) },
      heatmap,
    };
  } finally {
    server.close();
    await collector.close();
    await cleanup();
  }
}

const results = [];
for (const name of STORES) {
  process.stdout.write(`${name}: ${EVENTS} events… `);
  const r = await benchStore(name);
  results.push(r);
  console.log(
    `${r.ingest.eventsPerSecond} events/s (p50 ${r.ingest.p50Ms} ms, p99 ${r.ingest.p99Ms} ms, peak RSS ${r.ingest.peakRssMb} MB); fold ${r.fold.ms} ms; idle CPU ${r.idleCpuPct}%; heatmap ${Object.values(r.heatmap).map((h) => `${h.medianMs} ms`).join(" / ")}`,
  );
}
const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  results,
};
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const label = arg("label", "");
const file = new URL(`./results/storage-${out.date.slice(0, 10)}${label ? `-${label}` : ""}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`written ${file.pathname}`);
