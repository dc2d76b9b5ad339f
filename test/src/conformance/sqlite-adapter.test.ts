import { statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import request from "supertest";
import Database from "better-sqlite3";
import { rollupFor, type WriteBatch, type WriteResult } from "@m-software-engineering/heat-collector-kernel";
import { MIGRATIONS, SqliteStorage } from "@m-software-engineering/heat-collector-storage-sqlite";
import { addTiles, decodeTile, encodeTile, TILE_CELLS } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";
import { toEvent, type Row } from "@m-software-engineering/heat-collector-storage-sqlite/dist/rows";
import { SqliteWriter } from "@m-software-engineering/heat-collector-storage-sqlite/dist/writer";
import { clickRow, DEFAULT_RAGE_CLICK_RULE, rageClickStarts, type ClickRow } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import { toWriterBatch } from "@m-software-engineering/heat-collector-storage-sqlite/dist/writer-batch";
import { sessionKey } from "@m-software-engineering/heat-collector-kernel/dist/heat/session-key";
import { cellRows } from "../helpers/cell-rows";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, tempDir } from "../helpers/collector";
import { buildScenario, READS } from "./scenario";

/** One session's batch of `n` clicks on `page`, the i-th at `at(i)`, as the kernel hands a batch to storage. */
function clickBatch(
  sessionId: string,
  n: number,
  at: (i: number) => { ts: number; x: number; y: number },
  o: { page?: string; startedAt: number; lastSeenAt: number; eventId?: (i: number) => string },
): WriteBatch {
  const page = o.page ?? "/";
  return {
    projectId: PROJECT.id,
    sessions: [{ projectId: PROJECT.id, sessionId, userId: null, userTraits: null, startedAt: o.startedAt, lastSeenAt: o.lastSeenAt, firstPath: page, app: null, device: null }],
    events: Array.from({ length: n }, (_, i) => {
      const { ts, x, y } = at(i);
      return { projectId: PROJECT.id, eventId: o.eventId?.(i) ?? `e${i}`, sessionId, userId: null, type: "click" as const, ts, path: page, page, bucket: "1300x700", data: { x, y } };
    }),
  };
}

/** Every rollup read of the project's clicks, summary and cells, for each span: what two stores must answer alike. */
const rollupReads = (s: SqliteStorage) =>
  Promise.all(
    (["h", "d", "m"] as const).flatMap((span) => {
      const filter = { projectId: PROJECT.id, types: ["click" as const], ranges: [{ span, from: 0, to: 1e9 }] };
      return [s.rollupSummary(filter), s.rollupCells({ ...filter, buckets: ["1300x700"], cellFactor: 1 }).then(cellRows)];
    }),
  );

/**
 * Opens `file` (migrating it folds what its writers left) and expects its rollup reads to equal those
 * of a fresh store (`wholeFile`) that received `batches` through one writer, `clicks` clicks in all.
 */
async function expectRollupOfOneWriter(file: string, wholeFile: string, batches: readonly WriteBatch[], clicks: number): Promise<void> {
  const whole = new SqliteStorage({ file: wholeFile });
  const other = new SqliteStorage({ file });
  try {
    await whole.migrate();
    for (const b of batches) await whole.writeBatch(b);
    await other.migrate();
    const [want, got] = [await rollupReads(whole), await rollupReads(other)];
    expect(got).to.deep.equal(want);
    expect((want[0] as Array<{ n: number }>)[0]!.n).to.equal(clicks);
  } finally {
    await whole.close();
    await other.close();
  }
}

describe("SQLite tile codec", () => {
  it("round-trips sparse and dense tiles, counts up to 2^53 - 1", () => {
    const cases: number[][] = [
      new Array<number>(TILE_CELLS).fill(0),
      Array.from({ length: TILE_CELLS }, (_, i) => (i * 7919) % 300),
      Array.from({ length: TILE_CELLS }, (_, i) => (i % 17 === 0 ? [1, 127, 128, 16383, 16384, 2 ** 32, 2 ** 53 - 1][i % 7]! : 0)),
    ];
    for (const counts of cases) {
      const back = new Array<number>(TILE_CELLS).fill(0);
      decodeTile(encodeTile(counts), (i, n) => {
        back[i] = n;
      });
      expect(back).to.deep.equal(counts);
    }
    expect(encodeTile(cases[0]!).length, "an empty tile is empty").to.equal(0);
  });

  it("adds two encoded tiles as their dense sum", () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const [a, b] = [0, 1].map(() => Array.from({ length: TILE_CELLS }, () => (random() < 0.2 ? Math.floor(random() * 2 ** (1 + Math.floor(random() * 40))) : 0)));
      const sum = new Array<number>(TILE_CELLS).fill(0);
      decodeTile(addTiles(encodeTile(a!), encodeTile(b!)), (i, n) => {
        sum[i] = n;
      });
      expect(sum).to.deep.equal(a!.map((n, i) => n + b![i]!));
    }
  });
});


/** A store at schema version 4 (one rollup row per cell), holding the events of `from`, folded up to `foldedSeq`. */
function buildV4Store(file: string, from: string, foldedSeq: number): void {
  const db = new Database(file);
  db.exec("CREATE TABLE hc_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
    db.exec(m.sql);
    db.prepare("INSERT INTO hc_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
  }
  db.prepare("ATTACH DATABASE ? AS src").run(from);
  for (const table of ["projects", "project_secrets", "sessions", "events"]) db.exec(`INSERT INTO main.${table} SELECT * FROM src.${table}`);
  // The cell rollup exactly as the version-4 fold wrote it: the kernel's rollupFor over the folded events.
  const events = (db.prepare("SELECT * FROM main.events WHERE seq <= ? ORDER BY seq").all(foldedSeq) as Row[]).map(toEvent);
  const put = db.prepare("INSERT INTO heat_rollup (project_id, page, bucket, type, span, t, gx, gy, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const d of rollupFor(events)) put.run(d.projectId, d.page, d.bucket, d.type, d.span, d.t, d.gx, d.gy, d.n);
  db.exec(`INSERT INTO heat_rollup_summary (project_id, page, bucket, type, span, t, n, max_gy)
    SELECT project_id, page, bucket, type, span, t, SUM(n), MAX(gy) FROM heat_rollup GROUP BY project_id, page, bucket, type, span, t`);
  db.prepare("UPDATE heat_rollup_state SET last_seq = ?").run(foldedSeq);
  db.exec("DETACH DATABASE src");
  db.close();
}

describe("SQLite upgrade: a version-4 store (a rollup row per cell) migrates to tiles with identical answers", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const fresh = join(tmp.dir, "fresh.db");
  const old = join(tmp.dir, "v4.db");
  const reads = Object.entries(READS);
  const want = new Map<string, unknown>();
  const UNFOLDED = 40;

  before(async () => {
    const c = await startCollector({ db: { dialect: "sqlite", file: fresh } });
    const send = (body: unknown) => request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body as object).expect(200);
    const { batches, concurrentBatches } = buildScenario();
    for (const b of batches) await send(b);
    for (const b of concurrentBatches(4, 50)) await send(b);
    // Hot cells: counts past one and two varint bytes in a tile.
    const hot = new SdkSession("hot", Date.UTC(2026, 10, 2, 10, 30));
    for (let k = 0; k < 4; k++) await send(hot.payload(Array.from({ length: 50 }, () => hot.move(Array.from({ length: 100 }, (_, i) => [640 + (i % 3), 360] as [number, number])))));
    for (const [, url] of reads) want.set(url, (await request(c.app).get(url).expect(200)).body);
    await c.close();
    const maxSeq = (new Database(fresh, { readonly: true }).prepare("SELECT MAX(seq) AS m FROM events").get() as { m: number }).m;
    buildV4Store(old, fresh, maxSeq - UNFOLDED);
  });

  it("answers every conformance read as the store that never had cell rows, the unfolded events folded too", async () => {
    const c = await startCollector({ db: { dialect: "sqlite", file: old } });
    try {
      for (const [label, url] of reads) {
        const got = (await request(c.app).get(url).expect(200)).body as unknown;
        expect(got, label).to.deep.equal(want.get(url));
      }
      const heat = (await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=move&path=/`).expect(200)).body as { points: Array<{ value: number }> };
      expect(Math.max(...heat.points.map((p) => p.value)), "the hot cells' counts survive the conversion").to.be.greaterThan(16384 / 8);
    } finally {
      await c.close();
    }
    const db = new Database(old, { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
      expect(tables).to.include.members(["heat_dims", "heat_tiles", "heat_periods"]);
      expect(tables).not.to.include.members(["heat_rollup"]);
      expect(tables).not.to.include.members(["heat_rollup_summary"]);
      const state = db.prepare("SELECT (SELECT MIN(last_seq) FROM heat_fold_state) AS folded, (SELECT MAX(seq) FROM events) AS newest").get() as Row;
      expect(state.folded, "the events left unfolded at the upgrade are folded, in every span").to.equal(state.newest);
      expect(tables).not.to.include.members(["heat_rollup_state"]);
    } finally {
      db.close();
    }
  });
});

describe("SQLite writer thread: concurrent batches share one commit", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  const batchOf = (session: string, firstPath: string, n: number): WriteBatch =>
    clickBatch(session, n, (i) => ({ ts: Date.UTC(2026, 10, 2, 10) + i, x: 8 * i, y: 16 }), {
      page: firstPath,
      startedAt: 1_000,
      lastSeenAt: 2_000,
      eventId: (i) => `${session}-e${i}`,
    });

  it("a batch refused inside a group fails alone; the others are stored once, and only they reach the rollup", async () => {
    const file = join(tmp.dir, "group.db");
    const storage = new SqliteStorage({ file });
    try {
      await storage.migrate();
      const ddl = new Database(file);
      ddl.exec("CREATE TRIGGER explode BEFORE INSERT ON sessions WHEN NEW.first_path = '/explode' BEGIN SELECT RAISE(ABORT, 'exploding session'); END");
      ddl.close();
      const batches = Array.from({ length: 12 }, (_, i) => batchOf(`g${i}`, i === 5 ? "/explode" : "/ok", 10 + i));
      batches.push(batches[0]!); // a retry in the same group: recognised, not stored twice
      // Posted in one tick, so the writer thread finds them queued together.
      const outcomes = await Promise.allSettled(batches.map((b) => storage.writeBatch(b)));
      outcomes.forEach((o, i) => {
        if (i === 5) expect(o.status === "rejected" && String(o.reason)).to.match(/exploding session/);
        else expect(o.status, `batch ${i}`).to.equal("fulfilled");
      });
      const first = outcomes[0] as PromiseFulfilledResult<WriteResult>;
      const again = outcomes[12] as PromiseFulfilledResult<WriteResult>;
      expect(first.value.inserted + again.value.inserted, "the retried batch is stored once").to.equal(10);
      const good = batches.slice(0, 12).filter((_, i) => i !== 5);
      const want = good.reduce((n, b) => n + b.events.length, 0);
      const db = new Database(file, { readonly: true });
      try {
        expect((db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n).to.equal(want);
        expect((db.prepare("SELECT COUNT(*) AS n FROM events WHERE page = '/explode'").get() as { n: number }).n).to.equal(0);
      } finally {
        db.close();
      }
      const summary = await storage.rollupSummary({ projectId: PROJECT.id, types: ["click"], ranges: [{ span: "m", from: 0, to: 1e6 }] });
      expect(summary).to.deep.equal([{ bucket: "1300x700", type: "click", n: want, maxGy: 2 }]);
    } finally {
      await storage.close();
    }
  });
});

describe("SQLite rollup drains: a drain cut short by a crash resumes where it stopped", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const HOUR = Date.UTC(2026, 10, 2, 10);

  /** 700 clicks 128 px apart: one tile each, so a span's drain is several slices long. */
  const batches: WriteBatch[] = Array.from({ length: 14 }, (_, b) =>
    clickBatch(`d${b}`, 50, (i) => ({ ts: HOUR + (b % 3) * 3_600_000 + i, x: 128 * i, y: 128 * b }), { startedAt: HOUR, lastSeenAt: HOUR }),
  );

  it("rebuilds the frozen counts from the events and writes only the rows not yet written", async () => {
    const cut = join(tmp.dir, "cut.db");
    const writer = new SqliteWriter(cut);
    writer.migrate();
    writer.writeMany(batches.map(toWriterBatch));
    for (let i = 0; i < 3; i++) writer.freezeNextSpan();
    for (let i = 0; i < 2; i++) writer.drainSlice();
    const db = writer["db"];
    const mid = db.prepare("SELECT span, draining_to, drained FROM heat_fold_state ORDER BY span").all() as Array<{ span: string; draining_to: number | null; drained: number }>;
    expect(mid.every((r) => r.draining_to === 700), "every span has a drain under way").to.equal(true);
    expect(mid.some((r) => r.drained > 0), "some rows are written").to.equal(true);
    // The crash: the connection goes without the writer folding what it holds.
    writer["checkpointer"].stop();
    db.close();

    await expectRollupOfOneWriter(cut, join(tmp.dir, "whole.db"), batches, 700);
    const after = new Database(cut, { readonly: true });
    try {
      expect(after.prepare("SELECT COUNT(*) AS n FROM heat_fold_state WHERE draining_to IS NULL AND last_seq = 700").get()).to.deep.equal({ n: 3 });
    } finally {
      after.close();
    }
  });
});

describe("SQLite rollup with two writers on one file (two processes)", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const HOUR = Date.UTC(2026, 10, 3, 10);
  const batchOf = (session: string, y: number): WriteBatch => clickBatch(session, 40, (i) => ({ ts: HOUR + i, x: 64 * i, y }), { startedAt: HOUR, lastSeenAt: HOUR });

  it("each writer's rollup takes in the other's events exactly once, whenever its spans freeze", async () => {
    const file = join(tmp.dir, "shared.db");
    const a = new SqliteWriter(file);
    a.migrate();
    const b = new SqliteWriter(file);
    b.migrate();
    const batches = Array.from({ length: 5 }, (_, i) => batchOf(`s${i}`, 64 * i));
    const write = (w: SqliteWriter, i: number) => w.writeMany([toWriterBatch(batches[i]!)]);
    const foldAll = (w: SqliteWriter) => {
      for (let i = 0; i < 3; i++) w.freezeNextSpan();
      while (w.drainSlice());
    };
    // Each writer's accumulators hold its own events on both sides of the other's, none of which
    // it counted; then it freezes every span.
    write(a, 0);
    write(b, 1);
    write(a, 2);
    foldAll(a);
    write(b, 3);
    write(a, 4);
    foldAll(b);
    foldAll(a);
    a.close();
    b.close();

    await expectRollupOfOneWriter(file, join(tmp.dir, "one-writer.db"), batches, 200);
  });
});

describe("SQLite rage clicks: the writer's memory of recent clicks never stands in for the stored clicks", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const T = Date.UTC(2026, 10, 5, 10);
  /** One session's clicks, each given as [ms after T, x]; y is 100, the event id names the time. */
  const burst = (clicks: Array<[number, number]>, userId: string | null = null): WriteBatch => {
    const b = clickBatch("r", clicks.length, (i) => ({ ts: T + clicks[i]![0], x: clicks[i]![1], y: 100 }), { startedAt: T, lastSeenAt: T + 5_000, eventId: (i) => `c${clicks[i]![0]}` });
    b.sessions[0]!.userId = userId;
    return b;
  };
  /** The stored rage clicks, and rageClickStarts over every stored click: what they must equal. */
  const rageOf = (file: string): { stored: string[]; truth: string[] } => {
    const db = new Database(file, { readonly: true });
    try {
      const clicks = (db.prepare("SELECT * FROM events WHERE type = 'click'").all() as Row[])
        .map(toEvent)
        .map((e) => clickRow({ ...e, data: e.data as Record<string, unknown> }))
        .filter((c): c is ClickRow => c !== null);
      const stored = (db.prepare("SELECT event_id FROM rage_clicks ORDER BY ts, event_id").pluck().all() as string[]);
      return { stored, truth: rageClickStarts(clicks, DEFAULT_RAGE_CLICK_RULE).map((c) => c.eventId) };
    } finally {
      db.close();
    }
  };

  it("after a batch rolled back inside a group, and after another writer on the file stored clicks of the same session", () => {
    const file = join(tmp.dir, "recent.db");
    const a = new SqliteWriter(file);
    a.migrate();
    // A batch refused after its clicks were stored and its rage clicks re-derived: by its session upsert.
    a["db"].exec("CREATE TRIGGER refuse BEFORE UPDATE ON sessions WHEN NEW.user_id = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    a.writeMany([toWriterBatch(burst([[0, 100], [2_000, 400]]))]);
    const outcomes = a.writeMany([burst([[2_100, 400]]), burst([[2_200, 404], [2_300, 408]], "refused"), burst([[2_500, 800]])].map(toWriterBatch));
    expect(outcomes[1]).to.be.instanceOf(Error);
    // Alone, the refused clicks would have made 2,000 a run's start; without them it is not.
    expect(rageOf(file)).to.deep.equal({ stored: [], truth: [] });
    const b = new SqliteWriter(file);
    b.migrate();
    b.writeMany([toWriterBatch(burst([[2_600, 802], [2_700, 804]]))]); // with 2,500: a run only b's clicks complete
    a.writeMany([toWriterBatch(burst([[2_900, 806], [3_000, 1_200]]))]); // a must see b's clicks to redo 2,500's run
    const after = rageOf(file);
    expect(after.truth).to.deep.equal(["c2500"]);
    expect(after.stored).to.deep.equal(after.truth);
    a.close();
    b.close();
  });

  it("for a late batch of a session with more clicks after it than the memory keeps", () => {
    const file = join(tmp.dir, "late.db");
    const w = new SqliteWriter(file);
    w.migrate();
    // 300 clicks from 10 s on, bursts of three 200 ms apart at one spot, then 1 s apart elsewhere; then a burst at 9 s.
    const later: Array<[number, number]> = Array.from({ length: 300 }, (_, i) => [10_000 + i * 200, i % 6 < 3 ? 100 : 700 + 40 * i]);
    for (let i = 0; i < later.length; i += 50) w.writeMany([toWriterBatch(burst(later.slice(i, i + 50)))]);
    w.writeMany([toWriterBatch(burst([[9_000, 100], [9_500, 102], [9_900, 104]]))]);
    // Then a burst that only the last stored click (69.8 s, x 12,660) completes: not among the first clicks after 7 s.
    w.writeMany([toWriterBatch(burst([[69_900, 12_662], [70_000, 12_664]]))]);
    const { stored, truth } = rageOf(file);
    expect(truth).to.include.members(["c9000", "c69800"]);
    expect(truth).not.to.include("c10000"); // 9.9 s is near it and less than 1 s before: no longer a run's start
    expect(stored).to.deep.equal(truth);
    w.close();
  });
});

describe("SQLite event reads: time indexes in one-second buckets, listed in (ts, eventId, sessionId) order", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const T = Date.UTC(2026, 10, 4, 9) + 400; // not on a second: buckets split the range mid-second

  it("lists every filter's events in order across seconds and ties, and scans each once across keyset pages", async () => {
    // 6,000 events over ~6 s from 12 sessions, posted in an order unrelated to ts, with ties in ts.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pages = ["/", "/a", "/b"];
    const batches: WriteBatch[] = Array.from({ length: 120 }, (_, b) => {
      const session = `s${b % 12}`;
      return {
        projectId: PROJECT.id,
        sessions: [{ projectId: PROJECT.id, sessionId: session, userId: null, userTraits: null, startedAt: T, lastSeenAt: T, firstPath: "/", app: null, device: null }],
        events: Array.from({ length: 50 }, (_, i) => {
          const page = pages[Math.floor(rnd() * 3)]!;
          return {
            projectId: PROJECT.id,
            eventId: `e${String(Math.floor(rnd() * 1e6)).padStart(6, "0")}-${b}-${i}`,
            sessionId: session,
            userId: null,
            type: (rnd() < 0.5 ? "click" : "scroll") as "click" | "scroll",
            ts: T + Math.floor(rnd() * 60) * 100, // 60 distinct instants: many ties
            path: page,
            page,
            bucket: "1300x700",
            data: { x: 1, y: 2, scrollY: 3, scrollDepthPct: 4 },
          };
        }),
      };
    });
    const storage = new SqliteStorage({ file: join(tmp.dir, "order.db") });
    try {
      await storage.migrate();
      for (const b of batches) await storage.writeBatch(b);
      const all = batches.flatMap((b) => b.events);
      const key = (e: { ts: number; eventId: string; sessionId: string }) => [e.ts, e.eventId, e.sessionId] as const;
      const byOrder = (a: { ts: number; eventId: string; sessionId: string }, b: { ts: number; eventId: string; sessionId: string }) => {
        const [x, y] = [key(a), key(b)];
        return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
      };
      const filters = [
        {},
        { pages: ["/a"] },
        { pages: ["/a", "/b"], fromTs: T + 1_250 },
        { pages: [] },
        { sessionId: "s3" },
        { fromTs: T + 1_250, toTs: T + 4_650 },
        { pages: ["/b"], types: ["scroll" as const], fromTs: T + 999, toTs: T + 5_001 },
        { sessionId: "s5", fromTs: T + 2_000 },
      ];
      for (const f of filters) {
        const want = all
          .filter((e) => (f.pages === undefined || f.pages.includes(e.page)) && (f.sessionId === undefined || e.sessionId === f.sessionId))
          .filter((e) => (f.types === undefined || (f.types as string[]).includes(e.type)) && (f.fromTs === undefined || e.ts >= f.fromTs) && (f.toTs === undefined || e.ts <= f.toTs))
          .sort(byOrder)
          .map(key);
        // An empty page list selects nothing; every other filter selects a good share of the events.
        if (f.pages?.length === 0) expect(want).to.deep.equal([]);
        else expect(want.length, JSON.stringify(f)).to.be.greaterThan(100);
        const listed: Array<readonly [number, string, string]> = [];
        for (let offset = 0; ; offset += 700) {
          const page = await storage.listEvents({ projectId: PROJECT.id, ...f }, { limit: 700, offset });
          listed.push(...page.map(key));
          if (page.length < 700) break;
        }
        expect(listed, `listEvents ${JSON.stringify(f)}`).to.deep.equal(want);
        // A scan returns each event once, in the order of its index (by second, then arrival).
        const scanned: Array<{ ts: number; eventId: string; sessionId: string }> = [];
        for await (const e of storage.scanEvents({ projectId: PROJECT.id, ...f })) scanned.push(e);
        expect(scanned.sort(byOrder).map(key), `scanEvents ${JSON.stringify(f)}`).to.deep.equal(want);
      }
    } finally {
      await storage.close();
    }
  });
});

describe("SQLite WAL under writes that never pause", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it("starts the WAL over again and again, however long the writes go on", async function () {
    this.timeout(120_000);
    const file = join(tmp.dir, "wal.db");
    const writer = new SqliteWriter(file);
    writer.migrate();
    const padding = "x".repeat(2000);
    const T = Date.UTC(2026, 10, 5, 9);
    // ~2,400 batches of 50 events with 2 KB of data each: ~240 MB of table pages alone, several
    // times the 64 MB after which the writer restarts the WAL.
    for (let b = 0; b < 2400; b++) {
      const session = `w${b % 40}`;
      const batch: WriteBatch = {
        projectId: PROJECT.id,
        sessions: [{ projectId: PROJECT.id, sessionId: session, userId: null, userTraits: null, startedAt: T, lastSeenAt: T, firstPath: "/", app: null, device: null }],
        events: Array.from({ length: 50 }, (_, i) => ({
          projectId: PROJECT.id,
          eventId: `e${b}-${i}`,
          sessionId: session,
          userId: null,
          type: "custom" as const,
          ts: T + b * 50 + i,
          path: "/",
          page: "/",
          bucket: "1300x700",
          data: { name: "n", props: { padding } },
        })),
      };
      writer.writeMany([toWriterBatch(batch)]);
      writer.afterWrites();
      // Lets the checkpoint thread run: a writer that never yields still gets its restarts.
      if (b % 100 === 99) await new Promise((r) => setTimeout(r, 1));
    }
    const walBytes = statSync(`${file}-wal`).size;
    const probe = new Database(file);
    try {
      const [wal] = probe.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number }>;
      expect(wal!.log, "frames in the WAL now").to.be.below(3 * 16_384);
      expect(walBytes, "WAL file bytes").to.be.below(160 * 1024 * 1024);
      expect((probe.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n).to.equal(120_000);
    } finally {
      probe.close();
      writer.close();
    }
  });
});

describe("SQLite upgrade: migration 15 keys the session and element hours already stored", () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  const withSelector = (b: WriteBatch): WriteBatch => ({ ...b, events: b.events.map((e, i) => ({ ...e, data: { ...e.data, selector: `#item-${i % 3}` } })) });
  const batches = ["a", "b", "c"].map((session, k) =>
    withSelector(
      clickBatch(session, 6 + k, (i) => ({ ts: Date.UTC(2026, 10, 2, 10 + (i % 2)) + i, x: 8 * i, y: 16 * k }), {
        startedAt: 1_000,
        lastSeenAt: 2_000,
        eventId: (i) => `${session}-e${i}`,
      }),
    ),
  );
  const keysOf = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      const read = (table: string) => db.prepare(`SELECT session_id, session_key FROM ${table} ORDER BY session_id, session_key`).raw().all() as Array<[string, number]>;
      return { hours: read("session_hours"), elements: read("element_hours") };
    } finally {
      db.close();
    }
  };
  const answers = async (s: SqliteStorage) => ({
    series: await s.timeseries({ projectId: PROJECT.id, interval: "hour", metric: "sessions" }),
    elements: await s.topElements({ projectId: PROJECT.id, limit: 10 }),
    depths: await s.scrollDepths({ projectId: PROJECT.id }),
    buckets: await s.sessionSummary({ projectId: PROJECT.id, source: "click" }),
  });

  it("gives every row the key the writer computes, and the answers stay as they were", async () => {
    const file = join(tmp.dir, "keys.db");
    const first = new SqliteStorage({ file });
    let before: Awaited<ReturnType<typeof answers>>;
    try {
      await first.migrate();
      for (const b of batches) await first.writeBatch(b);
      before = await answers(first);
    } finally {
      await first.close();
    }
    const written = keysOf(file);
    expect(written.hours.length).to.be.greaterThan(3);
    expect(written.elements.length).to.be.greaterThan(3);
    for (const [id, key] of [...written.hours, ...written.elements]) expect(key, id).to.equal(sessionKey(id));
    expect(before.buckets).to.deep.equal([{ bucket: "1300x700", sessions: 3 }]);
    expect(before.elements.rows.map((r) => r.sessions)).to.deep.equal([3, 3, 3]);
    // Back to the tables as version 14 left them: no session_key column, version 15 not applied.
    const db = new Database(file);
    db.exec("ALTER TABLE session_hours DROP COLUMN session_key; ALTER TABLE element_hours DROP COLUMN session_key; DELETE FROM hc_migrations WHERE version = 15");
    db.close();
    const again = new SqliteStorage({ file });
    try {
      await again.migrate();
      expect(keysOf(file)).to.deep.equal(written);
      expect(await answers(again)).to.deep.equal(before);
      // A writer of an older version names no session_key: its row is refused, not stored with every session as one.
      const old = new Database(file);
      try {
        expect(() => old.prepare("INSERT INTO session_hours (project_id, hour, page, bucket, session_id, events, clicks) VALUES ('p', 1, '/', '1300x700', 'z', 1, 0)").run()).to.throw(/NOT NULL/);
        expect(() => old.prepare("INSERT INTO element_hours (project_id, hour, page, bucket, selector, session_id, clicks) VALUES ('p', 1, '/', '1300x700', 'a', 'z', 1)").run()).to.throw(/NOT NULL/);
      } finally {
        old.close();
      }
    } finally {
      await again.close();
    }
  });
});
