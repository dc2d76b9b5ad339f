/**
 * The Sequelize adapter's own edges, on PostgreSQL and MariaDB: group commit (duplicates across the
 * batches of one group, one refused batch in a group), two adapters on one database writing the
 * same batches at once, the heat journal's fold (concurrent folders, a fold that fails half-way),
 * and migration 4's carry-over of the old cell rollup. Rollup reads are compared with the kernel's
 * rollupFor over the events stored, computed here.
 */
import { expect } from "chai";
import {
  EVENT_TYPES,
  rollupFor,
  type RollupFilter,
  type StoredEvent,
  type WriteBatch,
  type WriteResult,
} from "@m-software-engineering/heat-collector-kernel";
import { runMigrations, SequelizeStorage, type SequelizeStorageOptions } from "@m-software-engineering/heat-collector-storage-sequelize";
import { sessionKey } from "@m-software-engineering/heat-collector-kernel/dist/heat/session-key";
import { cellRows, type CellRow } from "../helpers/cell-rows";
import { requireService } from "../helpers/services";
import { createSequelizeDatabase, SEQUELIZE_SERVERS } from "./stores";

const PROJECT = "p1";
const T0 = Date.UTC(2026, 10, 2, 9, 40);
const HOUR = 3_600_000;
const PAGES = ["/", "/pricing", "/café/😀"];
const BUCKETS = ["1300x700", "400x800"];

/** Deterministic SDK-shaped events of one session: clicks, move trails, scrolls and pageviews over several hours. */
function batch(session: string, ids: readonly number[], firstPath = "/"): WriteBatch {
  const events = ids.map((n): StoredEvent => {
    const base = {
      projectId: PROJECT,
      eventId: `e${n}`,
      sessionId: session,
      userId: n % 5 === 0 ? `u${n % 3}` : null,
      ts: T0 + ((n * 7919) % (5 * HOUR)),
      path: PAGES[n % PAGES.length]!,
      page: PAGES[n % PAGES.length]!,
      bucket: BUCKETS[n % 2]!,
    };
    const x = (n * 37) % 1400;
    const y = (n * 91) % 4000;
    switch (n % 4) {
      case 0:
        return { ...base, type: "click" as const, data: { x, y, selector: "main > a" } };
      case 1:
        return { ...base, type: "move" as const, data: { points: [0, 1, 2].map((k) => ({ x: x + k * 40, y: y + k * 130, t: k * 50 })) } };
      case 2:
        return { ...base, type: "scroll" as const, data: { scrollY: y, scrollDepthPct: n % 101 } };
      default:
        return { ...base, type: "pageview" as const, data: { to: base.path } };
    }
  });
  const ts = events.map((e) => e.ts);
  return {
    projectId: PROJECT,
    sessions: [{ projectId: PROJECT, sessionId: session, userId: null, userTraits: null, startedAt: Math.min(...ts), lastSeenAt: Math.max(...ts), firstPath, app: null, device: null }],
    events,
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Every event stored once: the first copy of each key. */
function storedOnce(batches: readonly WriteBatch[]): StoredEvent[] {
  const seen = new Map<string, StoredEvent>();
  for (const b of batches) for (const e of b.events) if (!seen.has(`${e.sessionId}/${e.eventId}`)) seen.set(`${e.sessionId}/${e.eventId}`, e);
  return [...seen.values()];
}

/** All time, read from hours or from months: both must hold every sample. */
const FILTERS: Record<string, RollupFilter> = {
  hours: { projectId: PROJECT, types: EVENT_TYPES, ranges: [{ span: "h", from: 0, to: 10_000_000 }] },
  months: { projectId: PROJECT, types: EVENT_TYPES, ranges: [{ span: "m", from: 0, to: 100_000 }] },
};

const byCell = (a: CellRow, b: CellRow) =>
  a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : a.cx - b.cx || a.cy - b.cy;

async function rollupOf(s: SequelizeStorage): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(FILTERS)) {
    out[`${name} summary`] = await s.rollupSummary(f);
    for (const bucket of BUCKETS) {
      const cells = cellRows(await s.rollupCells({ ...f, buckets: [bucket], cellFactor: 2 }));
      out[`${name} cells ${bucket}`] = cells.sort(byCell);
    }
    out[`${name} cells of every bucket`] = cellRows(await s.rollupCells({ ...f, buckets: BUCKETS, cellFactor: 2 })).sort(byCell);
  }
  return out;
}

/** The same reads computed from rollupFor over the events stored. */
function expectedRollup(events: readonly StoredEvent[]): unknown {
  const hours = rollupFor(events).filter((d) => d.span === "h");
  const summary = new Map<string, { bucket: string; type: string; n: number; maxGy: number }>();
  for (const d of hours) {
    const k = `${d.bucket}\u0000${d.type}`;
    const s = summary.get(k) ?? { bucket: d.bucket, type: d.type, n: 0, maxGy: 0 };
    s.n += d.n;
    s.maxGy = Math.max(s.maxGy, d.gy);
    summary.set(k, s);
  }
  const sortedSummary = [...summary.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : a.type < b.type ? -1 : 1));
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(FILTERS)) {
    out[`${name} summary`] = sortedSummary;
    for (const bucket of BUCKETS) {
      const cells = new Map<string, { bucket: string; type: string; cx: number; cy: number; n: number }>();
      for (const d of hours.filter((h) => h.bucket === bucket)) {
        const [cx, cy] = d.type === "scroll" ? [d.gx, d.gy] : [Math.floor(d.gx / 2), Math.floor(d.gy / 2)];
        const k = `${d.type}/${cx}/${cy}`;
        const c = cells.get(k) ?? { bucket, type: d.type, cx, cy, n: 0 };
        c.n += d.n;
        cells.set(k, c);
      }
      out[`${name} cells ${bucket}`] = [...cells.values()].sort(byCell);
    }
    out[`${name} cells of every bucket`] = BUCKETS.flatMap((bucket) => out[`${name} cells ${bucket}`] as CellRow[]).sort(byCell);
  }
  return out;
}

const total = (results: readonly WriteResult[], k: keyof WriteResult) => results.reduce((n, r) => n + r[k], 0);

for (const server of SEQUELIZE_SERVERS) {
  describe(`sequelize adapter: group commit, heat journal and fold [${server.name}]`, function () {
    this.timeout(120_000);
    let db: { url: string; drop(): Promise<void> } | undefined;
    const opened: SequelizeStorage[] = [];
    /** An adapter on this test's database; folds only when asked (foldAfterMs: 1 hour), unless told otherwise. */
    const open = (options: Partial<SequelizeStorageOptions> = {}) => {
      const s = new SequelizeStorage({ dialect: server.dialect, connectionString: db!.url, foldAfterMs: 3_600_000, ...options });
      opened.push(s);
      return s;
    };
    const sql = async (s: SequelizeStorage, text: string) => (await s.sequelize.query(text, { raw: true }))[0] as Array<Record<string, unknown>>;
    const count = async (s: SequelizeStorage, table: string) => Number((await sql(s, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

    before(async function () {
      await requireService(this, server.name, server.probe);
    });
    beforeEach(async () => {
      db = await createSequelizeDatabase(server.dialect, server.url);
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await db?.drop();
    });

    it("stores the first copy of an event sent twice within one group, and counts the second as its request's duplicate", async () => {
      const s = open();
      await s.migrate();
      await s.foldRollup(); // waits for the fold migrate() starts, so the journal is counted undisturbed
      const first = batch("s1", range(0, 20));
      const again = batch("s1", range(10, 30)); // e10..e19 are in `first`
      // The first write starts a group alone; the next two queue meanwhile and form one group.
      const [r0, r1, r2] = await Promise.all([s.writeBatch(batch("s0", [100])), s.writeBatch(first), s.writeBatch(again)]);
      expect(r0).to.deep.equal({ inserted: 1, duplicates: 0 });
      expect(r1).to.deep.equal({ inserted: 20, duplicates: 0 });
      expect(r2).to.deep.equal({ inserted: 10, duplicates: 10 });
      expect(await count(s, "heat_journal"), "two groups, one journal row each").to.equal(2);
      expect(await count(s, "events")).to.equal(31);
      const [session] = await s.findSessions("s1", PROJECT);
      expect(session!.eventCount).to.equal(30);
      const expected = expectedRollup(storedOnce([batch("s0", [100]), first, again]));
      expect(await rollupOf(s), "from the journal").to.deep.equal(expected);
      expect(await s.rollupBacklog()).to.equal(31);
      expect(await s.foldRollup()).to.equal(31);
      expect(await s.rollupBacklog()).to.equal(0);
      expect(await rollupOf(s), "from tiles").to.deep.equal(expected);
    });

    it("counts a retried batch's stored events as duplicates when its group also holds new batches", async () => {
      const s = open();
      await s.migrate();
      await s.foldRollup();
      const first = batch("r1", range(0, 10));
      expect(await s.writeBatch(first)).to.deep.equal({ inserted: 10, duplicates: 0 });
      // The first write starts a group alone; the next three queue meanwhile and form one group.
      const retried = batch("r1", range(5, 15)); // e5..e9 are stored
      const fresh = batch("r2", range(0, 5));
      const again = batch("r1", range(0, 10)); // all stored, or in `retried`
      const [r0, r1, r2, r3] = await Promise.all([s.writeBatch(batch("r0", [7])), s.writeBatch(retried), s.writeBatch(fresh), s.writeBatch(again)]);
      expect([r0, r1, r2, r3]).to.deep.equal([
        { inserted: 1, duplicates: 0 },
        { inserted: 5, duplicates: 5 },
        { inserted: 5, duplicates: 0 },
        { inserted: 0, duplicates: 10 },
      ]);
      expect(await count(s, "events")).to.equal(21);
      expect((await s.findSessions("r1", PROJECT))[0]!.eventCount).to.equal(15);
      expect((await s.findSessions("r2", PROJECT))[0]!.eventCount).to.equal(5);
      const expected = expectedRollup(storedOnce([first, batch("r0", [7]), retried, fresh, again]));
      expect(await rollupOf(s), "from the journal").to.deep.equal(expected);
      await s.foldRollup();
      expect(await rollupOf(s), "from tiles").to.deep.equal(expected);
    });

    it("stores every event's data byte for byte, in a group of batches: quotes, backslashes, escapes and multi-byte text", async () => {
      const s = open();
      await s.migrate();
      // PostgreSQL takes a group's data as one binary bind cut by byte offsets: a wrong offset after a
      // multi-byte character would shift every later document of the group.
      const texts = ['"quoted" \\ back\\slash', "日本語 😀 é", "", "\u0000 nul escaped", "x".repeat(5000), "tab\tnewline\n"];
      const batches = [0, 1, 2].map((b): WriteBatch => {
        const events = texts.map((t, i): StoredEvent => ({
          projectId: PROJECT,
          eventId: `d${b}-${i}`,
          sessionId: `sd${b}`,
          userId: null,
          ts: T0 + i,
          path: PAGES[i % PAGES.length]!,
          page: PAGES[i % PAGES.length]!,
          bucket: BUCKETS[0]!,
          type: "custom" as const,
          data: { name: `n${i}`, props: { text: t, nested: { again: t, n: i } } },
        }));
        return { projectId: PROJECT, sessions: [{ projectId: PROJECT, sessionId: `sd${b}`, userId: null, userTraits: null, startedAt: T0, lastSeenAt: T0 + texts.length, firstPath: "/", app: null, device: null }], events };
      });
      const results = await Promise.all(batches.map((b) => s.writeBatch(b)));
      expect(results).to.deep.equal(batches.map(() => ({ inserted: texts.length, duplicates: 0 })));
      const stored: StoredEvent[] = [];
      for await (const e of s.scanEvents({ projectId: PROJECT })) stored.push(e);
      const byId = new Map(stored.map((e) => [e.eventId, e.data]));
      for (const b of batches) for (const e of b.events) expect(byId.get(e.eventId), e.eventId).to.deep.equal(e.data);
      expect(stored).to.have.length(3 * texts.length);
    });

    it("stores ids, paths, users and session fields holding quotes, backslashes, braces, commas, blanks and the text NULL exactly", async () => {
      const s = open();
      await s.migrate();
      // PostgreSQL takes each column of a group as one array literal built by the adapter: an element
      // left unescaped would split, merge or become NULL.
      const odd = ['a"b', "c\\d", "{e}", "f,g", " h ", "NULL", "", "\\\"", "日本 😀"];
      const batches = odd.map((t, b): WriteBatch => {
        const sessionId = `s${b}${t}`;
        const userId = b % 3 === 0 ? null : `u${t}`;
        const path = `/p/${t}`;
        const events = [0, 1].map((i): StoredEvent => ({
          projectId: PROJECT,
          eventId: `e${i}${t}`,
          sessionId,
          userId,
          ts: T0 + b * 10 + i,
          path,
          page: path,
          bucket: BUCKETS[0]!,
          type: "custom" as const,
          data: { name: t || "empty" },
        }));
        const session = { projectId: PROJECT, sessionId, userId, userTraits: userId ? { plan: t } : null, startedAt: T0, lastSeenAt: T0 + 99, firstPath: path, app: { name: t }, device: null };
        return { projectId: PROJECT, sessions: [session], events };
      });
      const results = await Promise.all(batches.map((b) => s.writeBatch(b)));
      expect(results).to.deep.equal(batches.map(() => ({ inserted: 2, duplicates: 0 })));
      const stored: StoredEvent[] = [];
      for await (const e of s.scanEvents({ projectId: PROJECT })) stored.push(e);
      const key = (e: StoredEvent) => JSON.stringify([e.sessionId, e.eventId, e.userId, e.path, e.page, e.type, e.ts, e.data]);
      expect(stored.map(key).sort()).to.deep.equal(batches.flatMap((b) => b.events).map(key).sort());
      for (const b of batches) {
        const want = b.sessions[0]!;
        const [got] = await s.findSessions(want.sessionId, PROJECT);
        expect(got, want.sessionId).to.include({ sessionId: want.sessionId, userId: want.userId, firstPath: want.firstPath, eventCount: 2 });
        expect(got!.userTraits, want.sessionId).to.deep.equal(want.userTraits);
        expect(got!.app, want.sessionId).to.deep.equal(want.app);
      }
    });

    it("fails only the refused batch of a group; the others commit", async () => {
      const s = open();
      await s.migrate();
      for (const statement of server.failTrigger) await sql(s, statement);
      const good1 = batch("g1", range(0, 15));
      const bad = batch("bad", range(15, 30), "/explode");
      const good2 = batch("g2", range(30, 45));
      const outcomes = await Promise.allSettled([s.writeBatch(batch("s0", [100])), s.writeBatch(good1), s.writeBatch(bad), s.writeBatch(good2)]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      expect((outcomes[2] as PromiseRejectedResult).reason).to.have.property("code", "write_failed");
      expect(await count(s, "events")).to.equal(31);
      expect(await s.findSessions("bad", PROJECT)).to.have.length(0);
      const expected = expectedRollup(storedOnce([batch("s0", [100]), good1, good2]));
      expect(await rollupOf(s)).to.deep.equal(expected);
      await s.foldRollup();
      expect(await rollupOf(s)).to.deep.equal(expected);
    });

    it("stores the same batches written at once by two adapters on one database exactly once; the rollup is exact after both fold", async () => {
      const [a, b] = [open({ poolMax: 4 }), open({ poolMax: 4 })];
      await Promise.all([a.migrate(), b.migrate()]);
      const batches = Array.from({ length: 40 }, (_, i) => batch(`s${i % 7}`, range(i * 25, i * 25 + 30))); // neighbours overlap by 5
      const reversed = [...batches].reverse();
      const write = (s: SequelizeStorage, list: readonly WriteBatch[]) => Promise.all(list.map((x) => s.writeBatch(x)));
      const [ra, rb] = await Promise.all([write(a, batches), write(b, reversed)]);
      const unique = storedOnce(batches);
      expect(total([...ra, ...rb], "inserted")).to.equal(unique.length);
      expect(total([...ra, ...rb], "duplicates")).to.equal(2 * batches.length * 30 - unique.length);
      expect(await count(a, "events")).to.equal(unique.length);
      const sessions = await Promise.all(range(0, 7).map((i) => a.findSessions(`s${i}`, PROJECT)));
      expect(sessions.reduce((n, [x]) => n + x!.eventCount, 0)).to.equal(unique.length);
      const expected = expectedRollup(unique);
      expect(await rollupOf(a)).to.deep.equal(expected);
      await Promise.all([a.foldRollup(), b.foldRollup()]);
      expect(await count(a, "heat_journal")).to.equal(0);
      expect(await rollupOf(b)).to.deep.equal(expected);
    });

    it("folds while another adapter writes and a third folds: no sample lost or counted twice, reads exact throughout", async () => {
      const [writer, folderA, folderB] = [open({ foldAfterMs: 50 }), open(), open()];
      await writer.migrate();
      const batches = Array.from({ length: 60 }, (_, i) => batch(`s${i % 5}`, range(i * 20, i * 20 + 20)));
      let writing = true;
      const folding = (async () => {
        let folds = 0;
        while (writing) {
          await Promise.all([folderA.foldRollup(), folderB.foldRollup()]);
          folds++;
        }
        return folds;
      })();
      for (let i = 0; i < batches.length; i += 6) await Promise.all(batches.slice(i, i + 6).map((x) => writer.writeBatch(x)));
      writing = false;
      expect(await folding).to.be.greaterThan(0);
      const expected = expectedRollup(storedOnce(batches));
      expect(await rollupOf(folderA), "journal and tiles, mid-fold").to.deep.equal(expected);
      await folderB.foldRollup();
      expect(await count(writer, "heat_journal")).to.equal(0);
      expect(await rollupOf(writer)).to.deep.equal(expected);
    });

    it("leaves the journal whole when a fold fails half-way, and the next fold counts everything once", async () => {
      const s = open();
      await s.migrate();
      await s.foldRollup();
      const batches = [batch("s1", range(0, 40)), batch("s2", range(40, 80))];
      for (const x of batches) await s.writeBatch(x);
      const refuse =
        server.dialect === "pg"
          ? [
              "CREATE FUNCTION refuse_period() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'fold refused'; END $$ LANGUAGE plpgsql",
              "CREATE TRIGGER refuse_period BEFORE INSERT ON heat_periods FOR EACH ROW EXECUTE FUNCTION refuse_period()",
            ]
          : ["CREATE TRIGGER refuse_period BEFORE INSERT ON heat_periods FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'fold refused'"];
      for (const statement of refuse) await sql(s, statement);
      let failure: unknown;
      await s.foldRollup().catch((err: unknown) => (failure = err));
      expect(String(failure)).to.match(/fold refused/);
      expect(await count(s, "heat_journal")).to.equal(2);
      expect(await count(s, "heat_tiles"), "the tiles written before the failure were rolled back").to.equal(0);
      const expected = expectedRollup(storedOnce(batches));
      expect(await rollupOf(s)).to.deep.equal(expected);
      await sql(s, "DROP TRIGGER refuse_period" + (server.dialect === "pg" ? " ON heat_periods" : ""));
      expect(await s.foldRollup()).to.equal(80);
      expect(await rollupOf(s)).to.deep.equal(expected);
      // Folding again finds nothing: the journal rows went with the fold that counted them.
      expect(await s.foldRollup()).to.equal(0);
      expect(await rollupOf(s)).to.deep.equal(expected);
    });

    it("folds on its own once writes stop (no timer runs while idle)", async () => {
      const s = open({ foldAfterMs: 100 });
      await s.migrate();
      await s.writeBatch(batch("s1", range(0, 10)));
      expect(await s.rollupBacklog()).to.equal(10);
      const deadline = Date.now() + 5000;
      while ((await s.rollupBacklog()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await s.rollupBacklog()).to.equal(0);
      expect(await rollupOf(s)).to.deep.equal(expectedRollup(batch("s1", range(0, 10)).events));
    });

    it("migration 4 carries heat_rollup and heat_rollup_pending over exactly, then drops them", async () => {
      const old = open();
      expect(await runMigrations(old.sequelize, server.dialect, { upTo: 3 })).to.deep.equal([1, 2, 3]);
      const events = storedOnce([batch("s1", range(0, 60)), batch("s2", range(60, 100))]);
      // The old layout: each delta in heat_rollup or still pending, some split across both.
      const deltas = rollupFor(events);
      const { createHash } = await import("node:crypto");
      const hash = (page: string) => createHash("sha256").update(page, "utf8").digest("hex");
      const cols = "project_id, page_hash, page, bucket, type, span, t, gx, gy, n";
      const insert = async (table: string, rows: typeof deltas) => {
        for (const d of rows) {
          await old.sequelize.query(`INSERT INTO ${table} (${cols}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, {
            bind: [d.projectId, hash(d.page), d.page, d.bucket, d.type, d.span, d.t, d.gx, d.gy, d.n],
          });
        }
      };
      await insert("heat_rollup", deltas.filter((_, i) => i % 3 === 0));
      await insert("heat_rollup_pending", deltas.filter((_, i) => i % 3 === 1));
      const split = deltas.filter((_, i) => i % 3 === 2);
      await insert("heat_rollup", split.map((d) => ({ ...d, n: 1 })));
      await insert("heat_rollup_pending", split.map((d) => ({ ...d, n: d.n - 1 })).filter((d) => d.n > 0));
      await old.close();
      const s = open();
      await s.migrate();
      const versions = (await sql(s, "SELECT version FROM hc_migrations ORDER BY version")).map((r) => Number(r.version));
      expect(versions).to.include(4);
      const tables = (await s.sequelize.getQueryInterface().showAllTables()).map((t) => String(typeof t === "string" ? t : (t as { tableName: string }).tableName));
      expect(tables).to.include.members(["heat_dims", "heat_tiles", "heat_periods", "heat_journal"]);
      expect(tables).not.to.include.members(["heat_rollup"]);
      expect(tables).not.to.include.members(["heat_rollup_pending"]);
      expect(await rollupOf(s)).to.deep.equal(expectedRollup(events));
    });

    it("migration 10 gives the session and element hours already stored the session key the fold writes", async () => {
      const s = open();
      await s.migrate();
      for (const b of [batch("s1", range(0, 60)), batch("s2", range(60, 100)), batch("s3", range(100, 130))]) await s.writeBatch(b);
      await s.foldRollup();
      const keysOf = async (table: string) =>
        (await sql(s, `SELECT session_id, session_key FROM ${table} ORDER BY session_id`)).map((r) => [String(r.session_id), String(r.session_key)]);
      const written = { hours: await keysOf("session_hours"), elements: await keysOf("element_hours") };
      expect(written.hours.length).to.be.greaterThan(3);
      expect(written.elements.length).to.be.greaterThan(3);
      for (const [id, key] of [...written.hours, ...written.elements]) expect(key, id).to.equal(String(sessionKey(id)));
      const answers = async (x: SequelizeStorage) => ({
        series: await x.timeseries({ projectId: PROJECT, interval: "hour", metric: "sessions" }),
        elements: await x.topElements({ projectId: PROJECT, limit: 10 }),
        depths: await x.scrollDepths({ projectId: PROJECT }),
        buckets: await x.sessionSummary({ projectId: PROJECT, source: "click" }),
      });
      const before = await answers(s);
      expect(before.series.reduce((n, r) => Math.max(n, r.value), 0)).to.be.greaterThan(1);
      // Back to the tables as version 9 left them: no session_key column, version 10 not applied.
      await sql(s, "ALTER TABLE session_hours DROP COLUMN session_key");
      await sql(s, "ALTER TABLE element_hours DROP COLUMN session_key");
      await sql(s, "DELETE FROM hc_migrations WHERE version = 10");
      await s.close();
      const again = open();
      await again.migrate();
      const reread = async (table: string) =>
        (await sql(again, `SELECT session_id, session_key FROM ${table} ORDER BY session_id`)).map((r) => [String(r.session_id), String(r.session_key)]);
      expect({ hours: await reread("session_hours"), elements: await reread("element_hours") }).to.deep.equal(written);
      expect(await answers(again)).to.deep.equal(before);
      // An instance of an older version names no session_key in its fold: refused, not stored with every session as one.
      let refused: unknown;
      try {
        await sql(again, "INSERT INTO session_hours (project_id, hour, page_hash, page, bucket, session_id, events, clicks) VALUES ('p', 1, 'h', '/', '1300x700', 'z', 1, 0)");
      } catch (e) {
        refused = e;
      }
      expect(String(refused)).to.match(/session_key/);
    });
  });
}
