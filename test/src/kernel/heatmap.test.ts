import { expect } from "chai";
import request from "supertest";
import type { IngestEvent } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { expectedClicks } from "../helpers/heatmap-brute-force";
import { rng } from "../helpers/rng";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 7, 20, 0, 0, 0); // 70 days from Aug 20: spans three calendar months

describe("heatmap: rollup by month, day and hour plus raw edges equals brute force", () => {
  let c: TestCollector;
  const clicks: Array<{ x: number; y: number; ts: number }> = [];
  const random = rng(7);
  // 1,500 clicks over 70 days, in 30 sessions, all in one 1300x700 viewport bucket.
  const batches = Array.from({ length: 30 }, (_, si) => {
    const s = new SdkSession(`hm${si}`, T0, { w: 1280, h: 720, dpr: 1 });
    const events: IngestEvent[] = [];
    for (let i = 0; i < 50; i++) {
      const e = s.click(Math.floor(random() * 1400), Math.floor(random() * 3000), "/landing");
      e.ts = T0 + Math.floor(random() * 70 * DAY);
      clicks.push({ x: (e as { x: number }).x, y: (e as { y: number }).y, ts: e.ts });
      events.push(e);
    }
    return s.payload(events);
  });

  before(async () => {
    c = await startCollector();
    for (const body of batches) await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body).expect(200);
  });
  after(() => c.close());

  const SEP = Date.UTC(2026, 8, 1);
  const OCT = Date.UTC(2026, 9, 1);
  const ranges: Array<[string, number, number]> = [
    ["all time", 0, 8.64e15],
    ["one whole month", SEP, OCT - 1],
    ["months, days, hours and partial hours", Date.UTC(2026, 7, 25, 13, 17, 5, 123), Date.UTC(2026, 9, 12, 7, 59, 59, 998)],
    ["whole days", T0 + DAY, T0 + 3 * DAY - 1],
    ["days plus partial hours both ends", T0 + DAY - 5 * HOUR - 1234, T0 + 4 * DAY + 7 * HOUR + 999],
    ["inside one hour, around a click", clicks[0]!.ts - 1000, clicks[0]!.ts + 1000],
    ["hours only, no whole day", T0 + 2 * DAY + HOUR / 2, T0 + 2 * DAY + 20 * HOUR + 17],
  ];
  for (const [label, from, to] of ranges) {
    for (const resolution of [128, 40]) {
      it(`${label}, resolution ${resolution}`, async () => {
        const res = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=click&path=/landing&from=${from}&to=${to}&resolution=${resolution}`).expect(200);
        const want = expectedClicks(clicks, from, to, resolution, 1300);
        expect(res.body.points).to.deep.equal(want);
        const total = want.reduce((a, p) => a + p.value, 0);
        expect(res.body.meta).to.include({ total, plotted: total, bucket: total > 0 ? "1300x700" : null });
      });
    }
  }

  it("clamps points beyond the viewport width into the last column, and grows renderHeight with the page", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=click&path=/landing&resolution=128`).expect(200);
    const { columns, cellSize, renderHeight, rows } = res.body.meta;
    expect(columns).to.equal(Math.ceil(1300 / cellSize));
    expect(Math.max(...res.body.points.map((p: { x: number }) => p.x))).to.be.below(columns * cellSize);
    expect(renderHeight).to.be.greaterThan(2900);
    expect(rows).to.equal(Math.ceil(renderHeight / cellSize));
  });

  it("aggregation=total_count is the default; unique_sessions answers sessions, and is refused where they are not kept", async () => {
    const q = `/api/projects/${PROJECT.id}/heatmap?type=click&path=/landing`;
    const plain = await request(c.app).get(q).expect(200);
    const total = await request(c.app).get(`${q}&aggregation=total_count`).expect(200);
    expect(total.body).to.deep.equal(plain.body);
    expect(plain.body.meta.aggregation).to.equal("total_count");
    const unique = await request(c.app).get(`${q}&aggregation=unique_sessions`).expect(200);
    expect(unique.body.meta.aggregation).to.equal("unique_sessions");
    const refused = await request(c.app).get(`${q.replace("type=click", "type=move")}&aggregation=unique_sessions`).expect(400);
    expect(refused.body.code).to.equal("invalid_query");
    expect(refused.body.details.map((d: { param: string }) => d.param)).to.deep.equal(["aggregation"]);
  });

  it("an unknown viewportBucket gives an empty map with that viewport", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=click&viewportBucket=400x800`).expect(200);
    expect(res.body.points).to.deep.equal([]);
    expect(res.body.meta).to.deep.include({ bucket: "400x800", viewport: { w: 400, h: 800 }, plotted: 0, total: 1500 });
  });
});
