// @ts-check
/**
 * Seeds a store with `rows` stored rows of the bench workload, fast and through each system's own
 * storage layout: `node seed.mjs <ours|baseline> <file> <rows>`.
 * - ours: the adapter's own migration creates the schema; events and sessions go in by bulk SQL
 *   with the adapter's column mapping (the kernel's own payload → records mapping), then the
 *   adapter folds them into its heat rollup exactly as it does at start-up after a crash.
 * - baseline: its own migration creates the schema, then bulk INSERTs in one transaction per chunk
 *   of exactly the rows its ingest would write (one per move point, one per other event).
 * Prints one JSON line: { rows, events, seconds }.
 */
import { BASELINE_EVENT_COLUMNS, BASELINE_SESSION_COLUMNS, baselineEventRows, baselineSessionRow } from "./baseline-rows.mjs";
import { INGEST_KEY, PROJECT_ID, benchRequire, rootRequire } from "./common.mjs";
import { Workload, seedDays } from "./workload.mjs";

const [kind, file, rowsArg] = process.argv.slice(2);
const target = Number(rowsArg);
const started = performance.now();
const wl = new Workload(42, { sessions: 256, tag: "seed" });
const BATCHES_PER_WRITE = 40;

async function seedOurs() {
  const { SqliteStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sqlite");
  const { toWriteBatch } = rootRequire("@m-software-engineering/heat-collector-kernel/dist/ingest/to-records.js");
  // The adapter creates the schema; rows then go in by bulk SQL with the adapter's own column
  // mapping, one day of traffic per transaction; the adapter's own catch-up fold builds the rollup.
  const storage = new SqliteStorage({ file, rollupIntervalMs: 3_600_000 });
  await storage.migrate();
  await storage.close();
  const Database = rootRequire("better-sqlite3");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  // Secondary indexes are dropped while loading and rebuilt at the end from their own stored SQL
  // (a sort instead of millions of random b-tree inserts); the schema ends up identical.
  const indexes = /** @type {Array<{ name: string, sql: string }>} */ (
    db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = 'events'").all()
  );
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
  const insEvent = db.prepare(
    "INSERT INTO events (project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insSession = db.prepare(
    `INSERT INTO sessions (project_id, session_id, user_id, user_traits, started_at, last_seen_at, first_path, event_count, app, device)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, session_id) DO UPDATE SET
       last_seen_at = MAX(sessions.last_seen_at, excluded.last_seen_at), event_count = sessions.event_count + excluded.event_count`,
  );
  const day = db.transaction((/** @type {any[]} */ events, /** @type {any[]} */ sessions) => {
    for (const e of events) insEvent.run(e.projectId, e.eventId, e.sessionId, e.userId, e.type, e.ts, e.path, e.page, e.bucket, JSON.stringify(e.data));
    for (const s of sessions) insSession.run(s.projectId, s.sessionId, s.userId, s.startedAt, s.lastSeenAt, s.firstPath, s.n, JSON.stringify(s.app), JSON.stringify(s.device));
  });
  let rows = 0;
  for (const { wl, want } of seedDays(target)) {
    const events = [];
    const sessions = new Map();
    while (events.length < want) {
      const wb = toWriteBatch(PROJECT_ID, wl.next(), null);
      const take = wb.events.slice(0, want - events.length);
      events.push(...take);
      for (const s of wb.sessions) {
        const prev = sessions.get(s.sessionId);
        const n = take.filter((e) => e.sessionId === s.sessionId).length;
        if (prev) {
          prev.lastSeenAt = Math.max(prev.lastSeenAt, s.lastSeenAt);
          prev.n += n;
        } else sessions.set(s.sessionId, { ...s, n });
      }
    }
    day(events, [...sessions.values()]);
    rows += events.length;
  }
  for (const ix of indexes) db.exec(ix.sql);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const loaded = performance.now();
  const folder = new SqliteStorage({ file, rollupIntervalMs: 3_600_000 });
  await folder.migrate(); // folds every event after the stored position (all of them here)
  await folder.close();
  const fin = new Database(file);
  fin.pragma("wal_checkpoint(TRUNCATE)");
  fin.close();
  return { rows, events: rows, foldSeconds: +((performance.now() - loaded) / 1000).toFixed(1) };
}

async function seedBaseline() {
  const { createCollector } = await import("heat-collector-baseline");
  await createCollector({ db: { dialect: "sqlite", file }, auth: { mode: "projectKey" }, autoMigrate: true, logging: { level: "error" } });
  const Database = benchRequire("better-sqlite3");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.prepare("INSERT OR IGNORE INTO projects (id, key, name, created_at) VALUES (?, ?, ?, ?)").run(PROJECT_ID, INGEST_KEY, "Bench", Date.now());
  const insEvent = db.prepare(`INSERT INTO events (${BASELINE_EVENT_COLUMNS}) VALUES (${Array(12).fill("?").join(", ")})`);
  const insSession = db.prepare(
    `INSERT INTO sessions (${BASELINE_SESSION_COLUMNS}) VALUES (${Array(9).fill("?").join(", ")}) ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
  );
  let rows = 0;
  let events = 0;
  const chunk = db.transaction((bodies) => {
    for (const b of bodies) {
      insSession.run(...baselineSessionRow(b, PROJECT_ID));
      let last = -1;
      for (const { k, row } of baselineEventRows(b, PROJECT_ID)) {
        if (rows >= target) return;
        insEvent.run(...row);
        rows++;
        if (k !== last) events++; // a move trail is several rows of one event
        last = k;
      }
    }
  });
  while (rows < target) {
    const bodies = [];
    for (let i = 0; i < BATCHES_PER_WRITE; i++) bodies.push(wl.next());
    chunk(bodies);
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { rows, events };
}

const result = kind === "ours" ? await seedOurs() : await seedBaseline();
console.log(JSON.stringify({ ...result, seconds: (performance.now() - started) / 1000 }));
process.exit(0);
