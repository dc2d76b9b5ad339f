// @ts-check
/**
 * Seeds a server database (created empty by the runner) with `rows` stored rows of the bench
 * workload, each system through its own storage layout:
 *   node seed-servers.mjs <ours|baseline> <pg|mysql> <database> <rows>
 * - ours: through our adapter itself: migrate(), then writeBatch with large batches (the kernel's
 *   own payload → records mapping, several in flight), then foldRollup() until nothing is left, so
 *   the store is exactly what ingest makes.
 * - baseline: its own createCollector({ autoMigrate }) creates the schema, then multi-row INSERTs of
 *   exactly the rows its ingest writes (baseline-rows.mjs).
 * Both: the database's statistics are refreshed at the end (VACUUM ANALYZE / ANALYZE TABLE), as
 * autovacuum would do soon after a load, so neither system's reads meet a planner with no stats.
 * Last, a table hc_bench_seed records the seed's figures: the runner reuses a database that has it.
 * Prints one JSON line: { rows, events, seconds, … } or { error }.
 */
import { BASELINE_EVENT_COLUMNS, BASELINE_SESSION_COLUMNS, baselineEventRows, baselineSessionRow } from "./baseline-rows.mjs";
import { INGEST_KEY, PROJECT_ID, describeError, rootRequire } from "./common.mjs";
import { connectAdmin, databaseUrl, withAdmin } from "./server-stores.mjs";
import { Workload, seedDays } from "./workload.mjs";

const [kind, storeArg, db, rowsArg] = process.argv.slice(2);
const store = /** @type {import("./server-stores.mjs").Store} */ (storeArg);
const target = Number(rowsArg);
const started = performance.now();
/** Events per writeBatch call of ours (40 SDK batches), and calls in flight. */
const OURS_BATCH_EVENTS = 2000;
const OURS_IN_FLIGHT = 4;
/** Rows per INSERT statement of the baseline's, and statements per transaction. */
const BASELINE_ROWS_PER_INSERT = 1000;
const BASELINE_INSERTS_PER_TX = 20;

const seconds = (since) => +((performance.now() - since) / 1000).toFixed(1);

/** Merges SessionUpserts of one session across the SDK batches gathered into one large batch. */
function mergeSession(/** @type {Map<string, any>} */ into, /** @type {any} */ s) {
  const prev = into.get(s.sessionId);
  if (!prev) return void into.set(s.sessionId, { ...s });
  if (s.startedAt < prev.startedAt) {
    prev.startedAt = s.startedAt;
    prev.firstPath = s.firstPath;
  }
  prev.lastSeenAt = Math.max(prev.lastSeenAt, s.lastSeenAt);
}

async function seedOurs() {
  const { SequelizeStorage } = rootRequire("@m-software-engineering/heat-collector-storage-sequelize");
  const { toWriteBatch } = rootRequire("@m-software-engineering/heat-collector-kernel/dist/ingest/to-records.js");
  const storage = new SequelizeStorage({ dialect: store, connectionString: databaseUrl(store, db), poolMax: OURS_IN_FLIGHT + 2, rollupIntervalMs: 3_600_000 });
  await storage.migrate();
  const inFlight = new Set();
  let events = [];
  let sessions = new Map();
  const submit = async () => {
    const batch = { projectId: PROJECT_ID, sessions: [...sessions.values()], events };
    events = [];
    sessions = new Map();
    const p = storage.writeBatch(batch).then((/** @type {{ inserted: number }} */ r) => {
      if (r.inserted !== batch.events.length) throw new Error(`seed batch stored ${r.inserted} of ${batch.events.length} events`);
    });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => undefined);
    if (inFlight.size >= OURS_IN_FLIGHT) await Promise.race(inFlight);
  };
  // One day of traffic at a time, as the SQLite seeder spreads it: sessions start inside their day.
  let rows = 0;
  for (const { wl, want } of seedDays(target)) {
    for (let n = 0; n < want; ) {
      const body = wl.next();
      body.events = body.events.slice(0, want - n);
      const wb = toWriteBatch(PROJECT_ID, body, null);
      events.push(...wb.events);
      for (const s of wb.sessions) mergeSession(sessions, s);
      n += wb.events.length;
      if (events.length >= OURS_BATCH_EVENTS) await submit();
    }
    rows += want;
  }
  if (events.length > 0) await submit();
  await Promise.all(inFlight);
  const loaded = performance.now();
  // foldRollup() folds what was committed when it was called; loop until the backlog reads zero.
  const backlog = async () =>
    typeof storage.rollupBacklog === "function" ? Number(await storage.rollupBacklog()) : Number((await storage.sequelize.query("SELECT count(*) AS n FROM heat_rollup_pending", { plain: true }))?.n);
  while ((await storage.foldRollup()) > 0 || (await backlog()) > 0);
  await storage.close();
  return { rows, events: rows, loadSeconds: +((loaded - started) / 1000).toFixed(1), foldSeconds: seconds(loaded) };
}

async function seedBaseline() {
  const { createCollector } = await import("heat-collector-baseline");
  await createCollector({ db: { dialect: store, connectionString: databaseUrl(store, db) }, auth: { mode: "projectKey" }, autoMigrate: true, logging: { level: "error" } });
  const admin = await connectAdmin(store, db);
  const ph = store === "pg" ? (/** @type {number} */ i) => `$${i + 1}` : () => "?";
  const values = (/** @type {unknown[][]} */ rows) => {
    let i = 0;
    return rows.map((r) => `(${r.map(() => ph(i++)).join(", ")})`).join(", ");
  };
  const upsertSession = store === "pg" ? "ON CONFLICT (id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at" : "ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at)";
  await admin.query(`INSERT INTO projects (id, ${store === "pg" ? "key" : "`key`"}, name, created_at) VALUES (${ph(0)}, ${ph(1)}, ${ph(2)}, ${ph(3)})`, [PROJECT_ID, INGEST_KEY, "Bench", Date.now()]);
  const wl = new Workload(42, { sessions: 256, tag: "seed" });
  let rows = 0;
  let events = 0;
  while (rows < target) {
    await admin.query("BEGIN");
    for (let s = 0; s < BASELINE_INSERTS_PER_TX && rows < target; s++) {
      /** @type {unknown[][]} */
      const eventRows = [];
      /** @type {Map<string, unknown[]>} its sessions: the first batch's row, the last batch's last_seen_at */
      const sessionRows = new Map();
      while (eventRows.length < BASELINE_ROWS_PER_INSERT && rows + eventRows.length < target) {
        const body = wl.next();
        const srow = baselineSessionRow(body, PROJECT_ID);
        const had = sessionRows.get(body.session.id);
        if (had) had[4] = srow[4];
        else sessionRows.set(body.session.id, srow);
        let last = -1;
        for (const { k, row } of baselineEventRows(body, PROJECT_ID)) {
          if (rows + eventRows.length >= target) break;
          eventRows.push(row);
          if (k !== last) events++; // a move trail is several rows of one event
          last = k;
        }
      }
      const sess = [...sessionRows.values()];
      await admin.query(`INSERT INTO sessions (${BASELINE_SESSION_COLUMNS}) VALUES ${values(sess)} ${upsertSession}`, sess.flat());
      await admin.query(`INSERT INTO events (${BASELINE_EVENT_COLUMNS}) VALUES ${values(eventRows)}`, eventRows.flat());
      rows += eventRows.length;
    }
    await admin.query("COMMIT");
  }
  await admin.close();
  return { rows, events, loadSeconds: seconds(started) };
}

/** Fresh planner statistics for every table of the database. */
async function analyze() {
  const t = performance.now();
  await withAdmin(store, db, async (a) => {
    if (store === "pg") return a.query("VACUUM ANALYZE");
    const tables = await a.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()");
    return a.query(`ANALYZE TABLE ${tables.map((r) => String(r.t ?? r.T ?? r.TABLE_NAME)).join(", ")}`);
  });
  return seconds(t);
}

try {
  const result = kind === "ours" ? await seedOurs() : await seedBaseline();
  const analyzeSeconds = await analyze();
  const meta = { kind, store, ...result, analyzeSeconds, seconds: seconds(started), seededAt: new Date().toISOString() };
  await withAdmin(store, db, async (a) => {
    await a.query("CREATE TABLE hc_bench_seed (meta TEXT NOT NULL)");
    await a.query(`INSERT INTO hc_bench_seed (meta) VALUES (${store === "pg" ? "$1" : "?"})`, [JSON.stringify(meta)]);
  });
  console.log(JSON.stringify(meta));
  process.exit(0);
} catch (/** @type {any} */ err) {
  console.log(JSON.stringify({ error: `${kind} seeding failed: ${describeError(err)}` }));
  process.exit(2);
}
