/**
 * Rage clicks on every store: the edges of the rule (3 clicks at exactly 1,000 ms, 30 vs 31 px),
 * runs split across batches in either order, retried and concurrently re-sent batches, an earlier
 * click arriving late, and identical answers across stores.
 */
import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import { PROJECT, startCollector, tempDir } from "../helpers/collector";
import { requireService } from "../helpers/services";
import { ClickSession, describeIdenticalAnswers, describeOnEveryStore, ingest, type Answers } from "./click-sessions";
import { freshDatabase, SEQUELIZE_SERVERS } from "./stores";
import { runMigrations, SequelizeStorage } from "@m-software-engineering/heat-collector-storage-sequelize";
import { toWriteBatch } from "@m-software-engineering/heat-collector-kernel/dist/ingest/to-records";
import { join } from "node:path";

const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);
const api = `/api/projects/${PROJECT.id}`;

/** A session on its own page, /rage/<name>, clicking button#pay. */
const rageSession = (name: string, start = T0) => new ClickSession(`rage-${name}`, `/rage/${name}`, start, "button#pay");

interface Heat {
  points: Array<{ x: number; y: number; value: number }>;
  meta: { total: number; typeBreakdown: Record<string, number> };
}
const rage = async (app: Express, query: string): Promise<Heat> => (await request(app).get(`${api}/heatmap?type=rageclick&${query}`).expect(200)).body as Heat;
const runsOn = async (app: Express, page: string) => (await rage(app, `path=${encodeURIComponent(page)}`)).meta.total;

/** Every rage-click response of the suite, per store, compared once all stores ran. */
const answers: Answers = new Map();

describeOnEveryStore("rage clicks", answers, (suite) => {
  it("counts 3 clicks within 30 px and exactly 1,000 ms as one run, at the first click; 1,001 ms or 31 px is none", async () => {
    const cases: Array<[string, Array<[number, number, number]>, number]> = [
      ["at-1000ms", [[0, 400, 300], [500, 405, 302], [1000, 410, 296]], 1],
      ["at-1001ms", [[0, 400, 300], [500, 405, 302], [1001, 410, 296]], 0],
      ["at-30px", [[0, 400, 300], [200, 400, 300], [400, 418, 324]], 1],
      ["at-31px", [[0, 400, 300], [200, 400, 300], [400, 431, 300]], 0],
      ["two-clicks", [[0, 400, 300], [100, 400, 300]], 0],
    ];
    for (const [name, clicks, runs] of cases) {
      const s = rageSession(name);
      await ingest(suite.app, s.batch(clicks.map(([at, x, y]) => s.click(at, x, y))));
      expect(await runsOn(suite.app, s.page), name).to.equal(runs);
      suite.seen[name] = await rage(suite.app, `path=${s.page}`);
    }
    // The run is drawn at its first click's cell (8 px cells at the default resolution).
    const hit = suite.seen["at-1000ms"] as Heat;
    expect(hit.points).to.deep.equal([{ x: 404, y: 300, value: 1 }]);
    expect(hit.meta.typeBreakdown).to.deep.equal({ rageclick: 1 });
  });

  it("finds a run split across two batches of one session, sent in either order", async () => {
    for (const order of ["in-order", "reversed"] as const) {
      const s = rageSession(`split-${order}`);
      const first = s.batch([s.click(0, 200, 200), s.click(400, 202, 201)]);
      const second = s.batch([s.click(800, 199, 203), s.click(5000, 900, 900)]);
      for (const b of order === "in-order" ? [first, second] : [second, first]) await ingest(suite.app, b);
      expect(await runsOn(suite.app, s.page), order).to.equal(1);
      suite.seen[`split ${order}`] = await rage(suite.app, `path=${s.page}`);
    }
  });

  it("counts a retried batch once, re-sent later or concurrently", async () => {
    const s = rageSession("retried");
    const a = s.batch([s.click(0, 50, 50), s.click(300, 52, 50)]);
    const b = s.batch([s.click(600, 51, 52), s.click(900, 50, 51), s.click(3000, 50, 50), s.click(3300, 50, 50), s.click(3600, 50, 50)]);
    await ingest(suite.app, a);
    await ingest(suite.app, b);
    expect(await runsOn(suite.app, s.page)).to.equal(2);
    const replies = await Promise.all([a, b, a, b, b].map((p) => ingest(suite.app, p)));
    expect(replies.reduce((n, r) => n + (r.body as { stored: number }).stored, 0)).to.equal(0);
    expect(await runsOn(suite.app, s.page)).to.equal(2);
    suite.seen.retried = await rage(suite.app, `path=${s.page}`);
  });

  it("keeps one run per burst at one spot, moves it to an earlier click that arrives late, and never joins pages", async () => {
    const burst = rageSession("burst");
    // Six clicks 300 ms apart at one spot: one run, however long the burst; after a 2 s pause, another.
    await ingest(suite.app, burst.batch([0, 300, 600, 900, 1200, 1500, 3600, 3900, 4200].map((at) => burst.click(at, 640, 480))));
    expect(await runsOn(suite.app, burst.page)).to.equal(2);
    suite.seen.burst = await rage(suite.app, `path=${burst.page}`);

    const late = rageSession("late");
    await ingest(suite.app, late.batch([late.click(500, 300, 300), late.click(900, 300, 300), late.click(1300, 300, 300)]));
    // 8 px cells at the default resolution on a 1300 px viewport: x 300 is the cell centred on 300.
    expect((await rage(suite.app, `path=${late.page}`)).points).to.deep.equal([{ x: 300, y: 300, value: 1 }]);
    // An earlier click 20 px left arrives in a later batch: it starts the run now; still one run.
    await ingest(suite.app, late.batch([late.click(100, 280, 300)]));
    expect((await rage(suite.app, `path=${late.page}`)).points).to.deep.equal([{ x: 284, y: 300, value: 1 }]);
    suite.seen.late = await rage(suite.app, `path=${late.page}`);

    const pages = rageSession("pages");
    await ingest(suite.app, pages.batch([pages.click(0, 10, 10, "/rage/pages-a"), pages.click(100, 10, 10, "/rage/pages-b"), pages.click(200, 10, 10, "/rage/pages-a")]));
    expect((await rage(suite.app, `pathPattern=${encodeURIComponent("/rage/pages-*")}`)).meta.total).to.equal(0);
  });

  it("filters by time and pattern, and counts a project's runs in one read", async () => {
    const all = await rage(suite.app, "pathPattern=/rage/**");
    expect(all.meta.total).to.equal(1 + 1 + 2 + 2 + 2 + 1);
    // Runs starting in (T0, T0 + 3 s]: the late click's (at 100 ms) and the retried session's second (at 3,000 ms).
    const window = await rage(suite.app, `from=${T0 + 1}&to=${T0 + 3000}`);
    expect(window.meta.total).to.equal(2);
    suite.seen.all = all;
    suite.seen["from 3s"] = await rage(suite.app, `from=${T0 + 3000}&coordinates=relative`);
  });

  it("forgets an erased user's runs and purges old ones", async () => {
    const s = rageSession("erased", T0 - 86_400_000);
    const p = s.batch([s.click(0, 5, 5), s.click(10, 5, 5), s.click(20, 5, 5)]);
    await ingest(suite.app, { ...p, user: { id: "rage-user" } });
    expect(await runsOn(suite.app, s.page)).to.equal(1);
    await suite.storage.eraseUser(PROJECT.id, "rage-user");
    expect(await runsOn(suite.app, s.page)).to.equal(0);
    const old = rageSession("purged", T0 - 86_400_000);
    await ingest(suite.app, old.batch([old.click(0, 5, 5), old.click(10, 5, 5), old.click(20, 5, 5)]));
    expect(await runsOn(suite.app, old.page)).to.equal(1);
    await suite.storage.purgeBefore(T0 - 3600_000);
    expect(await runsOn(suite.app, old.page)).to.equal(0);
    expect((await rage(suite.app, "pathPattern=/rage/**")).meta.total).to.equal(9);
  });
});

describeIdenticalAnswers("rage clicks: identical answers on every store", answers, (n) => expect(n).to.be.greaterThan(8));

describe("rage clicks: thresholds per collector", () => {
  it("counts by the configured rule (4 clicks within 50 px and 500 ms)", async () => {
    const tmp = tempDir();
    const c = await startCollector({ db: { dialect: "sqlite", file: join(tmp.dir, "heat.db") }, analytics: { rageClicks: { minClicks: 4, radiusPx: 50, windowMs: 500 } } });
    try {
      const three = rageSession("three");
      await ingest(c.app, three.batch([three.click(0, 100, 100), three.click(100, 100, 100), three.click(200, 100, 100)]));
      const four = rageSession("four");
      await ingest(c.app, four.batch([four.click(0, 100, 100), four.click(100, 140, 100), four.click(200, 100, 140), four.click(500, 100, 100)]));
      const slow = rageSession("slow");
      await ingest(c.app, slow.batch([slow.click(0, 100, 100), slow.click(100, 100, 100), slow.click(200, 100, 100), slow.click(501, 100, 100)]));
      expect([await runsOn(c.app, three.page), await runsOn(c.app, four.page), await runsOn(c.app, slow.page)]).to.deep.equal([0, 1, 0]);
    } finally {
      await c.close();
      tmp.cleanup();
    }
  });
});

for (const server of SEQUELIZE_SERVERS) {
  describe(`rage clicks, session and element hours: migrations 5 to 9 derive what was stored before them [${server.name}]`, function () {
    this.timeout(60_000);
    before(async function () {
      await requireService(this, server.name, server.probe);
    });

    it("derives them once, and the fold of journal rows written before agrees", async () => {
      const db = await freshDatabase(server.dialect, server.url, "hc_rage");
      const opened: SequelizeStorage[] = [];
      const open = () => {
        const a = new SequelizeStorage({ dialect: server.dialect, connectionString: db.url, foldAfterMs: 3_600_000 });
        opened.push(a);
        return a;
      };
      try {
        const old = open();
        expect(await runMigrations(old.sequelize, server.dialect, { upTo: 4 })).to.deep.equal([1, 2, 3, 4]);
        const one = rageSession("before-one");
        const two = rageSession("before-two");
        const payloads = [
          one.batch([one.click(0, 100, 100), one.click(400, 101, 100)]),
          one.batch([one.click(800, 100, 102), one.click(5000, 100, 100), one.click(5100, 100, 100), one.click(5200, 100, 100)]),
          two.batch([two.click(0, 10, 10), two.click(10, 10, 10)]),
        ];
        // Written at version 4 and never folded there (the fold needs the rage-click table).
        for (const p of payloads) await old.writeBatch(toWriteBatch(PROJECT.id, p, null));
        await old.close();
        const s = open();
        await s.migrate();
        await s.foldRollup();
        const summary = await s.rageClickSummary({ projectId: PROJECT.id });
        expect(summary).to.deep.equal([{ bucket: "1300x700", n: 2, maxGy: 12 }]);
        const cells = await s.rageClickCells({ projectId: PROJECT.id, buckets: ["1300x700"], cellFactor: 1 });
        expect(cells.map((c) => [c.cx, c.cy, c.n])).to.deep.equal([[12, 12, 2]]);
        // Migration 6 counts the same events for trend lines, and the fold of the old journal rows adds nothing twice.
        const hour = Math.floor(T0 / 3_600_000);
        expect(await s.timeseries({ projectId: PROJECT.id, interval: "hour", metric: "events" })).to.deep.equal([{ period: hour, value: 8 }]);
        expect(await s.timeseries({ projectId: PROJECT.id, interval: "hour", metric: "sessions" })).to.deep.equal([{ period: hour, value: 2 }]);
        // Migration 8 reads the scroll map's maxima of the same events (clicks only here: no scroll, 720 px viewports).
        expect(await s.scrollDepths({ projectId: PROJECT.id })).to.deep.equal([{ depth: 0, viewportH: 720, scrolled: false, sessions: 2 }]);
        // Migration 7 counts the clicks per element the same way.
        expect(await s.topElements({ projectId: PROJECT.id, limit: 5 })).to.deep.equal({
          rows: [{ selector: "button#pay", clicks: 8, sessions: 2, rageClicks: 2 }],
          totalClicks: 8,
        });
        // Migration 9 keeps each session's clicked cells once, for unique_sessions.
        expect(await s.sessionSummary({ projectId: PROJECT.id, source: "click" })).to.deep.equal([{ bucket: "1300x700", sessions: 2 }]);
        const grid = { drawn: [{ bucket: "1300x700", width: 1300 }], cellFactor: 1, columns: 163, relative: false };
        expect(await s.sessionCells({ projectId: PROJECT.id, source: "click", ...grid })).to.deep.equal([
          { cx: 1, cy: 1, sessions: 1 },
          { cx: 12, cy: 12, sessions: 1 },
        ]);
      } finally {
        await Promise.all(opened.map((a) => a.close()));
        await db.drop();
      }
    });
  });
}
