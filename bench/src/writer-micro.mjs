// @ts-check
/**
 * The SQLite writer alone, without HTTP or threads: what one SDK batch costs to commit and to fold,
 * and how long the writer's pauses are. Feeds live-timestamped bench batches, as the kernel maps
 * them, into SqliteWriter.writeMany in groups (as the writer thread's group commit does), and runs
 * a span freeze every `--flush-every` groups (the one-second timer's share at the bench's rate) and a
 * rollup drain slice after every group, as the writer thread does.
 *
 *   node bench/src/writer-micro.mjs [--batches=4000] [--group=7] [--flush-every=20] [--spread]
 *
 * Batches are live traffic as run.mjs sends it; --spread: its pre-session-4 time shape.
 *
 * Prints ms per batch for the writes and the flushes, and the p50/p99/max of each writer call.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ID, rootRequire, percentile } from "./common.mjs";
import { Workload } from "./workload.mjs";

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const BATCHES = arg("batches", 4000);
const GROUP = arg("group", 7);
const FLUSH_EVERY = arg("flush-every", 20);
const SPREAD = process.argv.includes("--spread");

const { SqliteWriter } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite/dist/writer.js");
const { toWriteBatch } = rootRequire("@m-software-engineering/heat-collector-kernel/dist/ingest/to-records.js");
const { toWriterBatch } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite/dist/writer-batch.js");

const dir = mkdtempSync(join(tmpdir(), "writer-micro-"));
try {
  const writer = new SqliteWriter(join(dir, "heat.db"));
  writer.migrate();
  const now = Date.now();
  // Live traffic at ~550 batches/s (see run.mjs), unless --spread: the clock moves 1.8 ms a batch.
  let clock = now - 3_600_000;
  const live = SPREAD ? undefined : (/** @type {number} */ off) => Math.round(clock + off);
  const wl = new Workload(7, { sessions: 200, tag: "m", from: now - 2 * 3_600_000, to: now, live });
  // Mapped up front, as the HTTP thread does: its share is not timed here.
  const batches = Array.from({ length: BATCHES }, () => {
    clock += 1.8;
    return toWriterBatch(toWriteBatch(PROJECT_ID, wl.next(), null));
  });
  const writes = [];
  const flushes = [];
  let writeMs = 0;
  let flushMs = 0;
  for (let i = 0, g = 0; i < batches.length; i += GROUP, g++) {
    let t = performance.now();
    writer.writeMany(batches.slice(i, i + GROUP));
    writer.afterWrites();
    let dt = performance.now() - t;
    writes.push(dt);
    writeMs += dt;
    // As the writer thread does: a span freezes on the timer, then one drain slice after each commit.
    t = performance.now();
    if (g % FLUSH_EVERY === FLUSH_EVERY - 1) writer.freezeNextSpan();
    writer.drainSlice();
    dt = performance.now() - t;
    flushes.push(dt);
    flushMs += dt;
  }
  const t = performance.now();
  writer.fold();
  flushMs += performance.now() - t;
  writer.close();
  const dist = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${percentile(s, 50).toFixed(1)} / p99 ${percentile(s, 99).toFixed(1)} / max ${s[s.length - 1].toFixed(1)} ms`;
  };
  console.log(`${BATCHES} batches in groups of ${GROUP}`);
  console.log(`write: ${(writeMs / BATCHES).toFixed(3)} ms per batch; group calls ${dist(writes)}`);
  console.log(`fold:  ${(flushMs / BATCHES).toFixed(3)} ms per batch; rollup steps ${dist(flushes)}`);
  console.log(`total: ${((writeMs + flushMs) / BATCHES).toFixed(3)} ms per batch`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
