// @ts-check
/**
 * Which b-trees the SQLite writer's WAL frames belong to: writes `--batches` live bench batches in
 * groups of `--group` (no rollup drains unless --drain), then reads the WAL's frame headers and
 * maps each page to its table or index with the dbstat table.
 *
 *   node bench/src/wal-census.mjs [--batches=200] [--group=7] [--warm=2000] [--drain] [--spread] [--old-indexes]
 *
 * --spread: batches with the pre-session-4 time shape; --old-indexes: the time indexes before migration 8.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ID, rootRequire } from "./common.mjs";
import { Workload } from "./workload.mjs";

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const BATCHES = arg("batches", 200);
const GROUP = arg("group", 7);
const DRAIN = process.argv.includes("--drain");
const SPREAD = process.argv.includes("--spread");
const OLD_INDEXES = process.argv.includes("--old-indexes");
const { SqliteWriter } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite/dist/writer.js");
const { toWriteBatch } = rootRequire("@m-software-engineering/heat-collector-kernel/dist/ingest/to-records.js");
const { toWriterBatch } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite/dist/writer-batch.js");
const Database = rootRequire("better-sqlite3");

const dir = mkdtempSync(join(tmpdir(), "wal-census-"));
try {
  const file = join(dir, "heat.db");
  const writer = new SqliteWriter(file);
  writer.migrate();
  if (OLD_INDEXES) {
    // The event time indexes before migration 8, for comparison.
    const ddl = new Database(file);
    ddl.exec("DROP INDEX events_time; DROP INDEX events_page; CREATE INDEX events_time ON events (project_id, ts); CREATE INDEX events_page ON events (project_id, page, ts);");
    ddl.close();
  }
  const now = Date.now();
  // Live traffic at ~550 batches/s (as run.mjs sends it; --spread: its pre-session-4 time shape).
  let clock = now - 3_600_000;
  const live = SPREAD ? undefined : (/** @type {number} */ off) => Math.round(clock + off);
  const wl = new Workload(7, { sessions: 200, tag: "m", from: now - 2 * 3_600_000, to: now, live });
  const next = () => {
    clock += 1.8;
    return wl.next();
  };
  // warm: a store that already holds data, then restart the WAL before the counted part
  const warm = Array.from({ length: arg("warm", 2000) }, () => toWriterBatch(toWriteBatch(PROJECT_ID, next(), null)));
  for (let i = 0; i < warm.length; i += GROUP) {
    writer.writeMany(warm.slice(i, i + GROUP));
    writer.afterWrites();
  }
  writer.fold();
  const ck = new Database(file);
  ck.pragma("wal_checkpoint(TRUNCATE)");
  const batches = Array.from({ length: BATCHES }, () => toWriterBatch(toWriteBatch(PROJECT_ID, next(), null)));
  let g = 0;
  for (let i = 0; i < batches.length; i += GROUP, g++) {
    writer.writeMany(batches.slice(i, i + GROUP));
    if (DRAIN) {
      if (g % 20 === 19) writer.freezeNextSpan();
      writer.drainSlice();
    }
  }
  const wal = readFileSync(`${file}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const owner = new Map();
  for (const r of ck.prepare("SELECT name, pageno FROM dbstat").all()) owner.set(r.pageno, r.name);
  const counts = new Map();
  let frames = 0;
  const salt = wal.readBigUInt64BE(16);
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    const pg = wal.readUInt32BE(off);
    if (pg === 0 || wal.readBigUInt64BE(off + 8) !== salt) break; // past the frames of this WAL generation
    frames++;
    const name = owner.get(pg) ?? "(new/free)";
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  console.log(`${BATCHES} batches in groups of ${GROUP}${DRAIN ? " with drains" : ""}: ${frames} frames, ${(frames / BATCHES).toFixed(1)} per batch (${((frames * pageSize) / BATCHES / 1024).toFixed(0)} KB)`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(28)} ${String(n).padStart(7)} ${(n / BATCHES).toFixed(2).padStart(7)} per batch`);
  ck.close();
  writer.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
