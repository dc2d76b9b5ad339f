/**
 * aggregation=unique_sessions on every store: a cell's value is the number of distinct sessions
 * with a click (or a rage-click run) in it, counted on the drawn grid (two 8 px cells of one drawn
 * cell, two clicks, two hours or a retried batch never count a session twice), checked against an
 * oracle computed here from the clicks sent, and identical answers across stores.
 */
import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { IngestEvent } from "@m-software-engineering/heat-collector";
import { PROJECT } from "../helpers/collector";
import { ClickSession, describeIdenticalAnswers, describeOnEveryStore, ingest, type Answers } from "./click-sessions";

const T0 = Date.UTC(2026, 10, 4, 9, 0, 0);
const api = `/api/projects/${PROJECT.id}`;
/** 1,300 px wide bucket at resolution 54: cells of 3 × 8 = 24 px, 55 columns. */
const GRID = "resolution=54";

/** A session clicking a.cta on `page`, at offsets from T0. */
const visitor = (name: string, page: string, viewport?: { w: number; h: number; dpr: number }) => new ClickSession(`uniq-${name}`, page, T0, "a.cta", viewport);

interface Heat {
  points: Array<{ x: number; y: number; value: number }>;
  meta: { aggregation: string; total: number; plotted: number; cellSize: number; columns: number; buckets: Record<string, number>; typeBreakdown: Record<string, number> };
}
const heat = async (app: Express, query: string): Promise<Heat> => (await request(app).get(`${api}/heatmap?${query}`).expect(200)).body as Heat;
const values = (h: Heat) => h.points.map((p) => [p.x, p.y, p.value]);

/** The oracle: distinct sessions per drawn cell (absolute, one bucket, cells of `size` px, `columns` wide). */
function expected(clicks: ReadonlyArray<[session: string, x: number, y: number]>, size: number, columns: number): number[][] {
  const cells = new Map<string, Set<string>>();
  for (const [session, x, y] of clicks) {
    const k = size / 8;
    const cx = Math.min(columns - 1, Math.floor(Math.max(0, Math.floor(x / 8)) / k));
    const cy = Math.floor(Math.max(0, Math.floor(y / 8)) / k);
    const key = `${cy}:${cx}`;
    (cells.get(key) ?? cells.set(key, new Set()).get(key)!).add(session);
  }
  return [...cells.entries()]
    .map(([key, s]) => {
      const [cy, cx] = key.split(":").map(Number) as [number, number];
      return [cx * size + size / 2, cy * size + size / 2, s.size];
    })
    .sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
}

/** Every response of the suite, per store, compared once all stores ran. */
const answers: Answers = new Map();

describeOnEveryStore("unique sessions", answers, (suite) => {
  it("counts a session once per drawn cell, however many clicks or 8 px cells it has there; total_count counts clicks", async () => {
    const page = "/u/basic";
    const a = visitor("a", page);
    const b = visitor("b", page);
    const z = visitor("z", page);
    // a: three clicks 5 s apart in 8 px cell (12, 12) and one in (13, 12): all in drawn cell (4, 4).
    await ingest(suite.app, a.batch([a.click(0, 100, 100), a.click(5000, 100, 100), a.click(10_000, 101, 99), a.click(15_000, 110, 100)]));
    await ingest(suite.app, b.batch([b.click(2000, 105, 100), b.click(7000, 500, 300)]));
    // Beyond the viewport's width: counted in the last column, as total_count draws it.
    await ingest(suite.app, z.batch([z.click(3000, 5000, 300), z.click(9000, 1299, 300)]));
    const unique = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`);
    const total = await heat(suite.app, `path=${page}&${GRID}`);
    expect(unique.meta.cellSize).to.equal(24);
    expect(unique.meta.columns).to.equal(55);
    expect(values(unique)).to.deep.equal([
      [108, 108, 2],
      [492, 300, 1],
      [1308, 300, 1],
    ]);
    expect(values(total)).to.deep.equal([
      [108, 108, 5],
      [492, 300, 1],
      [1308, 300, 2],
    ]);
    expect(unique.meta).to.include({ aggregation: "unique_sessions", total: 3, plotted: 4 });
    expect(unique.meta.buckets).to.deep.equal({ "1300x700": 3 });
    expect(unique.meta.typeBreakdown).to.deep.equal({ click: 3 });
    expect(total.meta.aggregation).to.equal("total_count");
    suite.seen.basic = unique;
  });

  it("counts a retried batch, re-sent later or concurrently, once", async () => {
    const page = "/u/retried";
    const v = visitor("retried", page);
    const w = visitor("other", page);
    const first = v.batch([v.click(0, 300, 300), v.click(4000, 310, 305)]);
    const second = w.batch([w.click(1000, 302, 301)]);
    await ingest(suite.app, first);
    await ingest(suite.app, second);
    const before = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`);
    const replies = await Promise.all([first, second, first, first].map((p) => ingest(suite.app, p)));
    expect(replies.reduce((n, r) => n + (r.body as { stored: number }).stored, 0)).to.equal(0);
    const after = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`);
    expect(after).to.deep.equal(before);
    expect(values(after)).to.deep.equal([[300, 300, 2]]);
    suite.seen.retried = after;
  });

  it("counts a session once across hours and selects the whole hours from / to touch", async () => {
    const page = "/u/hours";
    const d = visitor("hours", page);
    const e = visitor("late", page);
    await ingest(suite.app, d.batch([d.click(10 * 60_000, 200, 200)]));
    await ingest(suite.app, d.batch([d.click(70 * 60_000, 201, 202)]));
    await ingest(suite.app, e.batch([e.click(130 * 60_000, 200, 200)]));
    const both = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`);
    expect(values(both)).to.deep.equal([[204, 204, 2]]);
    // 09:30 to 10:20: hours 09 and 10, so d (09:10 and 10:10) once, and not e (11:10).
    const from = new Date(T0 + 30 * 60_000).toISOString();
    const to = new Date(T0 + 80 * 60_000).toISOString();
    const ranged = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions&from=${from}&to=${to}`);
    expect(values(ranged)).to.deep.equal([[204, 204, 1]]);
    suite.seen.hours = [both, ranged];
  });

  it("agrees with an oracle over many sessions and clicks", async () => {
    const page = "/u/oracle";
    const clicks: Array<[string, number, number]> = [];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let s = 0; s < 12; s++) {
      const v = visitor(`oracle-${s}`, page);
      const events: IngestEvent[] = [];
      for (let k = 0; k < 15; k++) {
        // Clustered on three spots 40 px wide, so that sessions share cells.
        const [sx, sy] = [[200, 150], [640, 400], [1000, 90]][k % 3]!;
        const x = Math.round(sx + rnd() * 40);
        const y = Math.round(sy + rnd() * 40);
        events.push(v.click(s * 60_000 + k * 2000, x, y));
        clicks.push([`uniq-oracle-${s}-session`, x, y]);
      }
      await ingest(suite.app, v.batch(events));
    }
    const unique = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`);
    expect(values(unique)).to.deep.equal(expected(clicks, 24, 55));
    const fine = await heat(suite.app, `path=${page}&resolution=162&aggregation=unique_sessions`);
    expect(fine.meta.cellSize).to.equal(8);
    expect(values(fine)).to.deep.equal(expected(clicks, 8, fine.meta.columns));
    expect(unique.meta.total).to.equal(12);
    suite.seen.oracle = [unique, fine];
  });

  it("counts sessions of different widths once per relative cell", async () => {
    const page = "/u/relative";
    const wide = visitor("wide", page);
    const narrow = visitor("narrow", page, { w: 800, h: 600, dpr: 1 });
    // Both at the middle of their viewports: x 650 of 1,300 and x 400 of 800 fall in column 27 of 54.
    await ingest(suite.app, wide.batch([wide.click(0, 650, 100), wide.click(3000, 652, 100)]));
    await ingest(suite.app, narrow.batch([narrow.click(1000, 400, 100)]));
    const rel = await heat(suite.app, `path=${page}&${GRID}&coordinates=relative&aggregation=unique_sessions`);
    expect(rel.meta.buckets).to.deep.equal({ "1300x700": 1, "800x600": 1 });
    expect(values(rel)).to.deep.equal([[27.5 / 54, 108, 2]]);
    const total = await heat(suite.app, `path=${page}&${GRID}&coordinates=relative`);
    expect(values(total)).to.deep.equal([[27.5 / 54, 108, 3]]);
    suite.seen.relative = rel;
  });

  it("counts rage clicks by session: two runs of one session in one cell are one", async () => {
    const page = "/u/rage";
    const r = visitor("rage", page);
    const q = visitor("rage-two", page);
    await ingest(suite.app, r.batch([0, 100, 200, 5000, 5100, 5200].map((at, i) => r.click(at, 700 + (i % 2), 400))));
    await ingest(suite.app, q.batch([0, 100, 200].map((at) => q.click(at, 702, 401))));
    const runs = await heat(suite.app, `path=${page}&${GRID}&type=rageclick`);
    const unique = await heat(suite.app, `path=${page}&${GRID}&type=rageclick&aggregation=unique_sessions`);
    expect(values(runs)).to.deep.equal([[708, 396, 3]]);
    expect(values(unique)).to.deep.equal([[708, 396, 2]]);
    expect(unique.meta.typeBreakdown).to.deep.equal({ rageclick: 2 });
    suite.seen.rage = unique;
  });

  it("forgets an erased user's sessions", async () => {
    const page = "/u/erased";
    const kept = visitor("kept", page);
    const gone = visitor("gone", page);
    await ingest(suite.app, kept.batch([kept.click(0, 300, 300)]));
    const p = gone.batch([gone.click(1000, 301, 301), gone.click(5000, 600, 200)]);
    await ingest(suite.app, { ...p, user: { id: "user-erased" } });
    expect(values(await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`))).to.deep.equal([
      [612, 204, 1],
      [300, 300, 2],
    ].sort((a, b) => a[1]! - b[1]!));
    await suite.storage.eraseUser(PROJECT.id, "user-erased");
    const after = await heat(suite.app, `path=${page}&${GRID}&aggregation=unique_sessions`);
    expect(values(after)).to.deep.equal([[300, 300, 1]]);
    expect(after.meta.total).to.equal(1);
  });

  it("refuses unique_sessions for types whose sessions per cell are not kept", async () => {
    for (const type of ["move", "scroll", "all"]) {
      const res = await request(suite.app).get(`${api}/heatmap?type=${type}&aggregation=unique_sessions`).expect(400);
      expect(res.body.code, type).to.equal("invalid_query");
      expect(res.body.details[0].param).to.equal("aggregation");
    }
  });
});

describeIdenticalAnswers("unique sessions: identical answers on every store", answers, (n) => expect(n).to.equal(6));
