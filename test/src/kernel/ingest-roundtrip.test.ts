import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

describe("ingest → query round trip (SQLite, SDK-shaped payloads)", () => {
  let c: TestCollector;
  const s = new SdkSession("rt");
  const events = [
    s.pageview("/pricing?plan=pro#top"),
    s.click(640, 1200, "/pricing?plan=pro#top", "main > button#buy.cta"),
    s.move([[10, 10], [20, 12], [30, 14], [40, 1500]], "/pricing"),
    s.scroll(900, 55.5, "/pricing"),
    s.custom("checkout_started", { plan: "pro", seats: 3, trial: true }, "/pricing"),
    s.input("change", "*****", "/pricing"),
    s.keyboard("navigation", "/pricing"),
    s.pageview("/thanks", "/pricing?plan=pro#top"),
  ];
  const body = s.payload(events, { id: "user-42", traits: { tier: "gold" } });

  before(async () => {
    c = await startCollector();
  });
  after(() => c.close());

  const ingest = (payload: object) =>
    request(c.app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").send(JSON.stringify(payload));

  it("stores every event once and says how many", async () => {
    const res = await ingest(body).expect(200);
    expect(res.body).to.include({ ok: true, projectId: PROJECT.id, accepted: events.length, stored: events.length, duplicates: 0, dropped: 0 });
    expect(res.headers["x-request-id"]).to.equal(res.body.requestId);
  });

  it("recognises a re-sent batch and stores nothing twice", async () => {
    const res = await ingest(body).expect(200);
    expect(res.body).to.include({ accepted: events.length, stored: 0, duplicates: events.length });
    const list = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    expect(list.body.events).to.have.length(events.length);
  });

  it("returns every event type with everything the SDK sent, in time order", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    const got = res.body.events as Array<Record<string, unknown>>;
    expect(got.map((e) => e.eventId)).to.deep.equal(events.map((e) => e.eventId));
    for (const [i, sent] of events.entries()) {
      expect(got[i]).to.deep.equal({ ...sent, userId: "user-42" });
    }
    const byType = Object.fromEntries(got.map((e) => [e.type, e]));
    expect(byType.custom).to.include({ name: "checkout_started" });
    expect(byType.custom!.props).to.deep.equal({ plan: "pro", seats: 3, trial: true });
    expect(byType.click).to.include({ selector: "main > button#buy.cta", button: 0 });
    expect(got[7]).to.include({ from: "/pricing?plan=pro#top", to: "/thanks" });
    expect((byType.move!.points as unknown[]).length).to.equal(4);
  });

  it("lists the session with its user, event count and first path", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/sessions`).expect(200);
    expect(res.body.sessions).to.have.length(1);
    expect(res.body.sessions[0]).to.deep.include({
      sessionId: s.sessionId,
      userId: "user-42",
      userTraits: { tier: "gold" },
      eventCount: events.length,
      firstPath: "/pricing?plan=pro#top",
      startedAt: s.startedAt,
      lastSeenAt: events[events.length - 1]!.ts,
    });
    expect(res.body.page).to.deep.equal({ limit: 50, offset: 0, nextOffset: null });
  });

  it("serves the session detail with its events in time order, paged", async () => {
    const first = await request(c.app).get(`/api/sessions/${s.sessionId}?limit=5`).expect(200);
    expect(first.body.session).to.include({ sessionId: s.sessionId, projectId: PROJECT.id, eventCount: events.length });
    expect(first.body.events.map((e: { eventId: string }) => e.eventId)).to.deep.equal(events.slice(0, 5).map((e) => e.eventId));
    expect(first.body.page).to.deep.equal({ limit: 5, offset: 0, nextOffset: 5 });
    const rest = await request(c.app).get(`/api/sessions/${s.sessionId}?limit=5&offset=5`).expect(200);
    expect(rest.body.events.map((e: { eventId: string }) => e.eventId)).to.deep.equal(events.slice(5).map((e) => e.eventId));
    expect(rest.body.page.nextOffset).to.equal(null);
  });

  it("filters events by type, path (pathname), session, user and time", async () => {
    const api = `/api/projects/${PROJECT.id}/events`;
    const clicks = await request(c.app).get(`${api}?type=click`).expect(200);
    expect(clicks.body.events.map((e: { type: string }) => e.type)).to.deep.equal(["click"]);
    const pricing = await request(c.app).get(`${api}?path=${encodeURIComponent("/pricing")}`).expect(200);
    expect(pricing.body.events).to.have.length(7);
    const bySession = await request(c.app).get(`${api}?sessionId=${s.sessionId}&userId=user-42`).expect(200);
    expect(bySession.body.events).to.have.length(events.length);
    const from = events[2]!.ts;
    const to = events[4]!.ts;
    const ranged = await request(c.app).get(`${api}?from=${from}&to=${new Date(to).toISOString()}`).expect(200);
    expect(ranged.body.events.map((e: { eventId: string }) => e.eventId)).to.deep.equal(events.slice(2, 5).map((e) => e.eventId));
  });

  it("draws click, move and scroll heatmaps from every sample", async () => {
    const api = `/api/projects/${PROJECT.id}/heatmap`;
    const click = await request(c.app).get(`${api}?type=click&path=/pricing`).expect(200);
    expect(click.body.meta).to.include({ total: 1, plotted: 1, bucket: "1300x700", cellSize: 8, renderHeight: 1208 });
    expect(click.body.points).to.deep.equal([{ x: 644, y: 1204, value: 1 }]);

    const move = await request(c.app).get(`${api}?type=move&path=/pricing`).expect(200);
    expect(move.body.meta).to.include({ total: 4, plotted: 4 });
    expect(move.body.points.map((p: { value: number }) => p.value).reduce((a: number, b: number) => a + b)).to.equal(4);

    const scroll = await request(c.app).get(`${api}?type=scroll&path=/pricing`).expect(200);
    expect(scroll.body.meta).to.include({ total: 1, plotted: 1 });
    expect(scroll.body.points).to.have.length(1);

    const all = await request(c.app).get(`${api}?type=all&path=/pricing`).expect(200);
    expect(all.body.meta.typeBreakdown).to.deep.equal({ click: 1, move: 4, scroll: 1, pageview: 1, custom: 1, input: 1, keyboard: 1 });
    expect(all.body.meta).to.include({ total: 10, plotted: 6 });
  });

  it("answers queries as uncached UTF-8 JSON of its exact length, with no ETag to revalidate, and HEAD with no body", async () => {
    const path = `/api/projects/${PROJECT.id}/events?path=/pricing`;
    const res = await request(c.app).get(path).expect(200);
    expect(res.headers["content-type"]).to.equal("application/json; charset=utf-8");
    expect(res.headers["cache-control"]).to.equal("no-store");
    expect(res.headers).to.not.have.property("etag");
    expect(Number(res.headers["content-length"])).to.equal(Buffer.byteLength(JSON.stringify(res.body)));
    expect(res.body.events.length).to.be.greaterThan(0);
    const head = await request(c.app).head(path).expect(200);
    expect(head.headers["content-length"]).to.equal(res.headers["content-length"]);
    expect(head.text ?? "").to.equal("");
  });

  it("serves metrics counters", async () => {
    const res = await request(c.app).get("/api/metrics").expect(200);
    expect(res.body.storage).to.equal("sqlite");
    expect(res.body.ingest).to.include({ eventsStored: events.length, eventsDuplicate: events.length });
  });
});

describe("privacy on ingest", () => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector();
  });
  after(() => c.close());

  it("drops input events whose masked value is not all '*', and strips meta value/text/content", async () => {
    const s = new SdkSession("priv");
    const leaked = s.input("change", "hunter2");
    const masked = s.input("change", "*******");
    const empty = s.input("blur", "");
    const click = { ...s.click(1, 2), meta: { viewportBucket: "1300x700", value: "secret", text: "secret", content: "secret", keep: 1 } };
    const res = await request(c.app)
      .post("/ingest")
      .set("x-project-key", PROJECT.key)
      .send(s.payload([leaked, masked, empty, click]))
      .expect(200);
    expect(res.body).to.include({ accepted: 3, stored: 3, dropped: 1 });
    const list = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    const ids = list.body.events.map((e: { eventId: string }) => e.eventId);
    expect(ids).to.deep.equal([masked.eventId, empty.eventId, click.eventId]);
    expect(list.body.events[2].meta).to.deep.equal({ viewportBucket: "1300x700", keep: 1 });
    expect(JSON.stringify(list.body)).not.to.contain("hunter2").and.not.to.contain("secret");
  });
});
