import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { IngestPayload, StorageAdapter } from "@m-software-engineering/heat-collector";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { SdkSession } from "../helpers/sdk";
import { requireService } from "../helpers/services";
import { buildScenario, READS } from "./scenario";
import { TARGETS, type Store } from "./stores";

interface Reply {
  status: number;
  body: unknown;
}

/** Where two JSON values first differ ("body.events[3].ts: 1 vs 2"), or null. */
function firstDifference(a: unknown, b: unknown, at = "$"): string | null {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Object.is(a, b) ? null : `${at}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d) return d;
  }
  return null;
}

/** Responses to READS per store, compared once every store has run. */
const snapshots = new Map<string, Record<string, Reply>>();

const ingest = (app: Express, payload: IngestPayload) =>
  request(app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").send(JSON.stringify(payload));

async function read(app: Express, url: string): Promise<Reply> {
  const res = await request(app).get(url);
  return { status: res.status, body: res.body as unknown };
}

for (const target of TARGETS) {
  describe(`storage conformance: ${target.name}`, function () {
    let store: Store | undefined;
    const { batches, orderingBatch, concurrentBatches, retryBatch, failingBatch } = buildScenario();

    before(async function () {
      if (target.service) await requireService(this, target.service.name, target.service.probe);
      store = await target.setUp();
    });
    after(async () => {
      await store?.tearDown();
    });

    it("migrates from two adapters at once, each step once, and again as a no-op", async () => {
      const [a, b] = [store!.adapter(), store!.adapter()];
      try {
        await Promise.all([a.migrate(), b.migrate()]);
        await a.migrate();
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      const versions = (await store!.query("SELECT version FROM hc_migrations ORDER BY version")).map((r) => Number(r.version));
      expect(versions).to.have.length.greaterThan(0);
      expect(new Set(versions).size).to.equal(versions.length);
      expect(await store!.query("SELECT COUNT(*) AS n FROM events")).to.have.length(1);
    });

    describe("through the HTTP API", () => {
      let c: TestCollector;
      let storage: StorageAdapter & { foldRollup?: () => number | Promise<number> };
      before(async () => {
        storage = store!.adapter();
        c = await startCollector({ storage });
      });
      after(() => c?.close());

      it("stores sequential batches (every event type, unicode and 2048-char pages, 4096-char selectors, ts beyond 2^32)", async () => {
        for (const batch of batches) {
          const res = await ingest(c.app, batch).expect(200);
          expect(res.body).to.include({ accepted: batch.events.length, stored: batch.events.length, duplicates: 0 });
        }
        const res = await ingest(c.app, orderingBatch()).expect(200);
        expect(res.body).to.include({ stored: 7, duplicates: 0 });
      });

      it("keeps every event of concurrent batches for one session", async () => {
        const batches = concurrentBatches(8, 25);
        const replies = await Promise.all(batches.map((b) => ingest(c.app, b)));
        for (const r of replies) expect(r.status).to.equal(200);
        expect(replies.reduce((n, r) => n + (r.body as { stored: number }).stored, 0)).to.equal(200);
        const detail = await request(c.app).get(`/api/sessions/conf-c-session?projectId=${PROJECT.id}&limit=1`).expect(200);
        expect(detail.body.session).to.include({ eventCount: 200 });
        const heat = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?path=/burst`).expect(200);
        expect(heat.body.meta.total).to.equal(200);
      });

      it("stores a batch re-sent concurrently exactly once, and counts it once in the heatmap", async () => {
        const replies = await Promise.all(Array.from({ length: 6 }, () => ingest(c.app, retryBatch)));
        for (const r of replies) expect(r.status).to.equal(200);
        const sum = (k: "stored" | "duplicates") => replies.reduce((n, r) => n + (r.body as Record<typeof k, number>)[k], 0);
        expect(sum("stored")).to.equal(40);
        expect(sum("duplicates")).to.equal(200);
        const events = await request(c.app).get(`/api/projects/${PROJECT.id}/events?path=/retry&limit=1000`).expect(200);
        expect(events.body.events).to.have.length(40);
        // 30 clicks and 10 moves of 2 points each.
        const heat = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=all&path=/retry`).expect(200);
        expect(heat.body.meta.typeBreakdown).to.deep.equal({ click: 30, move: 20 });
        const sessions = await request(c.app).get(`/api/projects/${PROJECT.id}/sessions?userId=user-3`).expect(200);
        expect(sessions.body.sessions[0]).to.include({ eventCount: 40 });
      });

      it("reads the same heatmaps before and after the rollup is folded (both adapters fold behind the writes)", async () => {
        const urls = [READS["heatmap all"]!, READS["heatmap partial hours"]!, `/api/projects/${PROJECT.id}/heatmap?type=all&path=/retry`];
        const burst = concurrentBatches(1, 30)[0]!;
        await ingest(c.app, burst).expect(200);
        const before = await Promise.all(urls.map((u) => read(c.app, u)));
        expect(storage.foldRollup, "the adapter exposes foldRollup").to.be.a("function");
        await storage.foldRollup!();
        const after = await Promise.all(urls.map((u) => read(c.app, u)));
        expect(after).to.deep.equal(before);
        expect((after[0]!.body as { meta: { typeBreakdown: Record<string, number> } }).meta.typeBreakdown.click).to.be.greaterThan(230);
      });

      it("recognises a re-sent batch later on", async () => {
        const res = await ingest(c.app, batches[0]!).expect(200);
        expect(res.body).to.include({ stored: 0, duplicates: batches[0]!.events.length });
      });

      it("lists sessions most recently seen first, and sessions seen at the same millisecond by the greater id first", async () => {
        // Each session's one pageview lands at start + 250 ms: b and c tie, a is older.
        const start = Date.UTC(2026, 10, 5, 9, 0, 0);
        for (const [seed, at] of [["ties-b", start], ["ties-a", start - 1000], ["ties-c", start]] as const) {
          const s = new SdkSession(seed, at);
          await ingest(c.app, s.payload([s.pageview("/ties")])).expect(200);
        }
        const list = await request(c.app).get(`/api/projects/${PROJECT.id}/sessions?path=/ties`).expect(200);
        expect(list.body.sessions.map((s: { sessionId: string }) => s.sessionId)).to.deep.equal(["ties-c-session", "ties-b-session", "ties-a-session"]);
      });

      it("selects pages by pathPattern: exactly the union of the pages it matches (trailing slash ignored)", async () => {
        const api = `/api/projects/${PROJECT.id}`;
        const get = async (url: string) => (await request(c.app).get(url).expect(200)).body as {
          events?: Array<{ eventId: string; sessionId: string }>;
          sessions?: Array<{ sessionId: string }>;
          meta?: { total: number; typeBreakdown: Record<string, number> };
        };
        const ids = (events: Array<{ eventId: string; sessionId: string }>) => events.map((e) => `${e.sessionId}/${e.eventId}`).sort();
        const cases: Array<[string, string[]]> = [
          ["/blog/*", ["/blog/a", "/blog/a/"]],
          ["/blog/**", ["/blog", "/blog/", "/blog/a", "/blog/a/", "/blog/b/c"]],
          ["/blog", ["/blog", "/blog/"]],
          ["/p/*/edit", ["/p/1/edit", "/p/2/edit/"]],
          ["/P/*/edit", []],
        ];
        for (const [pattern, pages] of cases) {
          const q = `pathPattern=${encodeURIComponent(pattern)}`;
          const byPattern = await get(`${api}/events?type=all&limit=1000&${q}`);
          const byPage = await Promise.all(pages.map((page) => get(`${api}/events?type=all&limit=1000&path=${encodeURIComponent(page)}`)));
          expect(ids(byPattern.events!), pattern).to.deep.equal(ids(byPage.flatMap((r) => r.events!)));
          expect(byPattern.events!.length, pattern).to.equal(pages.length * 2);
          const heat = await get(`${api}/heatmap?type=all&${q}`);
          const heatByPage = await Promise.all(pages.map((page) => get(`${api}/heatmap?type=all&path=${encodeURIComponent(page)}`)));
          expect(heat.meta!.total, pattern).to.equal(heatByPage.reduce((n, r) => n + r.meta!.total, 0));
          expect(heat.meta!.total, pattern).to.equal(pages.length * 2);
          const sessions = await get(`${api}/sessions?${q}`);
          expect(sessions.sessions!.map((x) => x.sessionId), pattern).to.deep.equal(pages.length > 0 ? ["conf-p-session"] : []);
        }
        // With path, the pattern only narrows: a path it does not match selects nothing.
        expect((await get(`${api}/events?path=/pricing&pathPattern=${encodeURIComponent("/blog/*")}`)).events).to.deep.equal([]);
        const every = await get(`${api}/events?type=all&limit=1000&pathPattern=**`);
        expect(ids(every.events!)).to.deep.equal(ids((await get(`${api}/events?type=all&limit=1000`)).events!));
        const empty = await request(c.app).get(`${api}/heatmap?pathPattern=`).expect(400);
        expect(empty.body).to.include({ code: "invalid_query" });
      });

      it("filters and bands by viewport width, and draws relative x as a share of each bucket's width (against the raw events)", async () => {
        const api = `/api/projects/${PROJECT.id}`;
        type Ev = { type: string; x?: number; y?: number; points?: Array<{ x: number; y: number }>; meta: { viewportBucket: string }; path: string };
        const events = (await request(c.app).get(`${api}/events?type=all&limit=1000`).expect(200)).body.events as Ev[];
        const widthOf = (e: Ev) => Number(e.meta.viewportBucket.split("x")[0]);
        const samples = (e: Ev) => (e.type === "move" ? e.points!.length : 1);
        const heat = async (q: string) => (await request(c.app).get(`${api}/heatmap?${q}`).expect(200)).body as {
          points: Array<{ x: number; y: number; value: number }>;
          meta: { total: number; plotted: number; cellSize: number; columns: number; buckets: Record<string, number>; drawnBuckets: string[]; widthBands: Record<string, number>; typeBreakdown: Record<string, number> };
        };
        // A width range filters every count of the meta, by the bucket's width.
        for (const [min, max] of [[768, 1399], [0, 767], [1000, 100_000]] as const) {
          const h = await heat(`type=all&viewportWidthMin=${min}&viewportWidthMax=${max}`);
          const inRange = events.filter((e) => widthOf(e) >= min && widthOf(e) <= max);
          expect(h.meta.total, `${min}-${max}`).to.equal(inRange.reduce((n, e) => n + samples(e), 0));
          expect(h.meta.total).to.be.greaterThan(0);
          const plottable = inRange.filter((e) => ["click", "move", "scroll"].includes(e.type));
          expect(h.meta.drawnBuckets.sort()).to.deep.equal([...new Set(plottable.map((e) => e.meta.viewportBucket))].sort());
          expect(h.meta.plotted).to.equal(plottable.reduce((n, e) => n + samples(e), 0));
        }
        // Width bands of the clicks of every width.
        const clicks = events.filter((e) => e.type === "click");
        const band = (w: number) => (w < 768 ? "<768" : w < 1280 ? "768-1279" : ">=1280");
        const bands: Record<string, number> = { "<768": 0, "768-1279": 0, ">=1280": 0 };
        for (const e of clicks) bands[band(widthOf(e))]! += 1;
        expect((await heat("type=click")).meta.widthBands).to.deep.equal(bands);
        expect(Object.values(bands).every((n) => n > 0)).to.equal(true);
        // Relative: each click's 8 px cell centre as a share of its bucket's width, on the grid of the framing bucket.
        const rel = await heat("coordinates=relative&resolution=32&path=/pricing");
        const pricing = clicks.filter((e) => e.path.split(/[?#]/)[0] === "/pricing");
        const rows = Math.ceil(Math.max(...rel.points.map((p) => p.y + rel.meta.cellSize / 2)) / rel.meta.cellSize);
        const grid = new Map<string, number>();
        for (const e of pricing) {
          const col = Math.min(31, Math.floor((((Math.floor(e.x! / 8) + 0.5) * 8) / widthOf(e)) * 32));
          const row = Math.min(rows - 1, Math.floor(e.y! / rel.meta.cellSize));
          const key = `${(col + 0.5) / 32},${row * rel.meta.cellSize + rel.meta.cellSize / 2}`;
          grid.set(key, (grid.get(key) ?? 0) + 1);
        }
        const want = [...grid].map(([k, value]) => ({ x: Number(k.split(",")[0]), y: Number(k.split(",")[1]), value })).sort((a, b) => a.y - b.y || a.x - b.x);
        expect(rel.points).to.deep.equal(want);
        expect(rel.meta.columns).to.equal(32);
        // The tablet's and the desktop's clicks at half their widths land in one column.
        expect(rel.points.some((p) => p.x === 16.5 / 32 && p.value >= 2)).to.equal(true);
      });

      it("answers trend lines equal to counts over the raw events (events, clicks, sessions, rage clicks; hour and day; filters)", async () => {
        const api = `/api/projects/${PROJECT.id}`;
        const HOUR = 3_600_000;
        const DAY = 24 * HOUR;
        type Ev = { type: string; ts: number; sessionId: string; path: string; meta: { viewportBucket: string } };
        const events = (await request(c.app).get(`${api}/events?type=all&limit=1000`).expect(200)).body.events as Ev[];
        expect(events.length).to.be.lessThan(1000); // every event, in one page
        const series = async (q: string) =>
          (await request(c.app).get(`${api}/timeseries?${q}`).expect(200)).body as { points: Array<{ t: number; value: number }>; meta: { total: number | null } };
        const from = Math.min(...events.map((e) => e.ts));
        const to = from + 3 * DAY;
        const within = events.filter((e) => e.ts >= Math.floor(from / HOUR) * HOUR && e.ts < (Math.floor(to / HOUR) + 1) * HOUR);
        const expected = (per: number, pick: (e: Ev) => boolean, distinct: boolean) => {
          const out = new Map<number, Set<string> | number>();
          for (const e of within.filter(pick)) {
            const t = Math.floor(e.ts / per) * per;
            if (distinct) {
              const set = (out.get(t) as Set<string> | undefined) ?? new Set<string>();
              set.add(e.sessionId);
              out.set(t, set);
            } else out.set(t, ((out.get(t) as number | undefined) ?? 0) + 1);
          }
          return new Map([...out].map(([t, v]) => [t, typeof v === "number" ? v : v.size]));
        };
        const width = (e: Ev) => Number(e.meta.viewportBucket.split("x")[0]);
        const cases: Array<[string, number, (e: Ev) => boolean, boolean]> = [
          ["metric=events&interval=hour", HOUR, () => true, false],
          ["metric=clicks&interval=hour", HOUR, (e) => e.type === "click", false],
          ["metric=sessions&interval=day", DAY, () => true, true],
          ["metric=sessions&interval=hour", HOUR, () => true, true],
          ["metric=events&interval=day&viewportWidthMax=767", DAY, (e) => width(e) <= 767, false],
          [`metric=clicks&interval=hour&path=/pricing`, HOUR, (e) => e.type === "click" && e.path.split(/[?#]/)[0] === "/pricing", false],
        ];
        for (const [q, per, pick, distinct] of cases) {
          const got = await series(`${q}&from=${from}&to=${to}`);
          const want = expected(per, pick, distinct);
          expect(got.points.filter((p) => p.value > 0).map((p) => [p.t, p.value]), q).to.deep.equal([...want].sort((a, b) => a[0] - b[0]));
          expect(got.points[0]!.t, q).to.equal(Math.floor(from / per) * per); // zero-filled from the first period of the range
          expect(got.points.length, q).to.equal(Math.floor(to / per) - Math.floor(from / per) + 1);
          if (!distinct) expect(got.meta.total, q).to.equal([...want.values()].reduce((n, v) => n + v, 0));
        }
        expect((await series(`metric=events&interval=hour&from=${from}&to=${to}`)).meta.total).to.be.greaterThan(100);
        // Rage clicks: the heatmap's runs, by the hour of their first click.
        const rage = await series(`metric=rageclicks&interval=day&from=${from}&to=${to}`);
        const heat = (await request(c.app).get(`${api}/heatmap?type=rageclick&from=${Math.floor(from / DAY) * DAY}&to=${(Math.floor(to / DAY) + 1) * DAY - 1}`).expect(200)).body;
        expect(rage.meta.total).to.equal(heat.meta.total);
        // A range of more than 2,200 hours is refused.
        const long = await request(c.app).get(`${api}/timeseries?interval=hour&from=0&to=${400 * DAY}`).expect(400);
        expect(long.body).to.include({ code: "invalid_query" });
      });

      it("ranks elements as counted over the raw clicks (clicks, sessions, rage clicks, share; filters)", async () => {
        const api = `/api/projects/${PROJECT.id}`;
        type Ev = { type: string; ts: number; sessionId: string; selector?: string; path: string; meta: { viewportBucket: string } };
        const events = (await request(c.app).get(`${api}/events?type=click&limit=1000`).expect(200)).body.events as Ev[];
        expect(events.length).to.be.lessThan(1000);
        const page = (e: Ev) => e.path.split(/[?#]/)[0];
        const width = (e: Ev) => Number(e.meta.viewportBucket.split("x")[0]);
        const cases: Array<[string, (e: Ev) => boolean]> = [
          ["limit=200", () => true],
          ["limit=200&path=/pricing", (e) => page(e) === "/pricing"],
          ["limit=200&viewportWidthMax=767", (e) => width(e) <= 767],
        ];
        for (const [q, pick] of cases) {
          const clicks = events.filter(pick);
          const bySelector = new Map<string, { clicks: number; sessions: Set<string> }>();
          for (const e of clicks) {
            if (e.selector === undefined) continue;
            const s = bySelector.get(e.selector) ?? { clicks: 0, sessions: new Set<string>() };
            s.clicks++;
            s.sessions.add(e.sessionId);
            bySelector.set(e.selector, s);
          }
          const body = (await request(c.app).get(`${api}/elements?${q}`).expect(200)).body as {
            elements: Array<{ selector: string; clicks: number; sessions: number; rageClicks: number; share: number }>;
            meta: { totalClicks: number };
          };
          const want = [...bySelector]
            .map(([selector, s]) => ({ selector, clicks: s.clicks, sessions: s.sessions.size }))
            .sort((a, b) => b.clicks - a.clicks || (Buffer.compare(Buffer.from(a.selector), Buffer.from(b.selector))));
          expect(body.elements.map(({ selector, clicks, sessions }) => ({ selector, clicks, sessions })), q).to.deep.equal(want);
          expect(body.meta.totalClicks, q).to.equal(clicks.length);
          for (const el of body.elements) expect(el.share, q).to.equal(Math.round((el.clicks / clicks.length) * 1e6) / 1e6);
        }
        // Rage clicks per element: the runs on the burst page ("button#buy"), as the rage heatmap counts them.
        const burst = (await request(c.app).get(`${api}/elements?path=/burst`).expect(200)).body;
        const rage = (await request(c.app).get(`${api}/heatmap?type=rageclick&path=/burst`).expect(200)).body;
        expect(burst.elements[0].rageClicks).to.equal(rage.meta.total);
        expect(rage.meta.total).to.be.greaterThan(0);
      });

      it("draws scroll maps as computed over the raw events (depth steps, the fold), and asks for a page", async () => {
        const api = `/api/projects/${PROJECT.id}`;
        type Ev = { type: string; sessionId: string; path: string; scrollDepthPct?: number; scrollY?: number; viewport: { h: number }; meta: { viewportBucket: string } };
        const events = (await request(c.app).get(`${api}/events?type=all&limit=1000`).expect(200)).body.events as Ev[];
        const page = (e: Ev) => e.path.split(/[?#]/)[0];
        const width = (e: Ev) => Number(e.meta.viewportBucket.split("x")[0]);
        const cases: Array<[string, (e: Ev) => boolean, number]> = [
          ["path=/pricing", (e) => page(e) === "/pricing", 5],
          [`pathPattern=${encodeURIComponent("/blog/**")}&step=10`, (e) => page(e)!.startsWith("/blog"), 10],
          ["path=/pricing&viewportWidthMin=768&step=20", (e) => page(e) === "/pricing" && width(e) >= 768, 20],
        ];
        for (const [q, pick, step] of cases) {
          const sessions = new Map<string, { depth: number; h: number; y: number }>();
          for (const e of events.filter(pick)) {
            const s = sessions.get(e.sessionId) ?? { depth: 0, h: 0, y: 0 };
            s.h = Math.max(s.h, Math.round(e.viewport.h));
            if (e.type === "scroll") {
              s.depth = Math.max(s.depth, Math.round(e.scrollDepthPct!));
              s.y = Math.max(s.y, Math.round(e.scrollY!));
            }
            sessions.set(e.sessionId, s);
          }
          const all = [...sessions.values()];
          expect(all.length, q).to.be.greaterThan(0);
          const body = (await request(c.app).get(`${api}/scrollmap?${q}`).expect(200)).body;
          const steps = [];
          for (let d = 0; d <= 100; d += step) {
            const n = all.filter((s) => s.depth >= d).length;
            steps.push({ depth: d, sessions: n, share: Math.round((n / all.length) * 1e6) / 1e6 });
          }
          expect(body.steps, q).to.deep.equal(steps);
          const hs = all.map((s) => s.h).sort((a, b) => a - b);
          expect(body.fold, q).to.deep.equal({
            averageHeight: Math.round((hs.reduce((n, h) => n + h, 0) / hs.length) * 10) / 10,
            medianHeight: (hs[Math.floor((hs.length - 1) / 2)]! + hs[Math.floor(hs.length / 2)]!) / 2,
            scrolledBelowShare: Math.round((all.filter((s) => s.y > 0).length / all.length) * 1e6) / 1e6,
          });
          expect(body.meta).to.deep.equal({ sessions: all.length, step });
        }
        const noPage = await request(c.app).get(`${api}/scrollmap`).expect(400);
        expect(noPage.body).to.include({ code: "invalid_query" });
      });

      it("leaves nothing behind when a batch fails half-way (a trigger refuses its second session)", async () => {
        for (const sql of store!.failTrigger) await store!.query(sql);
        const before = await Promise.all([read(c.app, READS["events all"]!), read(c.app, READS["heatmap all"]!), read(c.app, READS["sessions all"]!)]);
        const { failing, good } = failingBatch();
        const res = await ingest(c.app, failing);
        expect(res.status).to.equal(503);
        expect(res.body).to.include({ error: "storage unavailable" });
        const after = await Promise.all([read(c.app, READS["events all"]!), read(c.app, READS["heatmap all"]!), read(c.app, READS["sessions all"]!)]);
        expect(after).to.deep.equal(before);
        // The events of the good session were rolled back too: they store now, as new.
        const retry = await ingest(c.app, good).expect(200);
        expect(retry.body).to.include({ stored: 2, duplicates: 0 });
      });

      it("answers every read (snapshot for the cross-store comparison)", async () => {
        const replies: Record<string, Reply> = {};
        for (const [name, url] of Object.entries(READS)) {
          replies[name] = await read(c.app, url);
          expect(replies[name]!.status, `${name}: ${JSON.stringify(replies[name]!.body)}`).to.equal(200);
        }
        const all = replies["events all"]!.body as { events: Array<{ ts: number; selector?: string }> };
        expect(all.events.some((e) => e.ts > 2 ** 32 * 1000)).to.equal(true);
        expect(all.events.some((e) => e.selector?.length === 4096)).to.equal(true);
        expect((replies["events ordering"]!.body as { events: Array<{ eventId: string }> }).events.map((e) => e.eventId)).to.deep.equal(
          ["ord-B", "ord-Z", "ord-a", "ord-a ", "ord-b", "ord-ä", "ord-é"],
        );
        const total = (name: string) => (replies[name]!.body as { meta: { total: number } }).meta.total;
        for (const name of ["heatmap unicode page", "heatmap long page", "heatmap partial hours", "heatmap beyond 2^32", "heatmap far future"]) {
          expect(total(name), name).to.be.greaterThan(0);
        }
        snapshots.set(target.name, replies);
      });
    });
  });
}

describe("storage conformance: identical API responses on every store", function () {
  const reference = TARGETS[0]!.name;
  for (const name of Object.keys(READS)) {
    it(name, function () {
      const ref = snapshots.get(reference);
      const others = [...snapshots.entries()].filter(([store]) => store !== reference);
      if (!ref || others.length === 0) this.skip(); // a store suite was skipped (it says why)
      for (const [store, replies] of others) {
        expect(firstDifference(replies[name], ref![name]), `${store} vs ${reference}`).to.equal(null);
        expect(JSON.stringify(replies[name])).to.equal(JSON.stringify(ref![name])); // key order too
      }
    });
  }
});
