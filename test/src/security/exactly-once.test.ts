import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { onEveryStore } from "./on-every-store";

onEveryStore("exactly once: concurrent retries of the same batch", (adapter) => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector({ storage: adapter() });
  });
  after(() => c?.close());

  it("stores each event once; replies add up to one store and N-1 duplicates", async () => {
    const s = new SdkSession("once");
    const events = [s.click(100, 100), s.move([[1, 1], [2, 2], [3, 3]]), s.scroll(10, 20), s.custom("buy"), s.pageview("/x")];
    const body = s.payload(events);
    const replies = await Promise.all(
      Array.from({ length: 12 }, () => request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body).expect(200)),
    );
    expect(replies.reduce((n, r) => n + r.body.stored, 0)).to.equal(events.length);
    expect(replies.reduce((n, r) => n + r.body.duplicates, 0)).to.equal(11 * events.length);
    const stored = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    expect(stored.body.events.map((e: { eventId: string }) => e.eventId)).to.deep.equal(events.map((e) => e.eventId));
    const sessions = await request(c.app).get(`/api/projects/${PROJECT.id}/sessions`).expect(200);
    expect(sessions.body.sessions[0].eventCount).to.equal(events.length);
    const heat = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=all`).expect(200);
    expect(heat.body.meta.typeBreakdown).to.deep.equal({ click: 1, move: 3, scroll: 1, custom: 1, pageview: 1 });
  });

  it("a batch mixing new and already-stored events stores only the new ones", async () => {
    const s = new SdkSession("mixed");
    const first = [s.click(1, 1), s.click(2, 2)];
    await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload(first)).expect(200);
    const more = [...first, s.click(3, 3)];
    const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload(more)).expect(200);
    expect(res.body).to.include({ accepted: 3, stored: 1, duplicates: 2 });
    const detail = await request(c.app).get(`/api/sessions/${s.sessionId}`).expect(200);
    expect(detail.body.session.eventCount).to.equal(3);
  });

  it("the same eventId in two sessions is two events, ordered by session after ts and eventId", async () => {
    const [a, b] = [new SdkSession("twosess-b"), new SdkSession("twosess-a")];
    const first = a.click(7, 7, "/twosess");
    const twin = { ...first, sessionId: b.sessionId };
    expect((await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(a.payload([first])).expect(200)).body.stored).to.equal(1);
    expect((await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(b.payload([twin])).expect(200)).body.stored).to.equal(1);
    const again = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(b.payload([twin])).expect(200);
    expect(again.body).to.include({ stored: 0, duplicates: 1 });
    const stored = await request(c.app).get(`/api/projects/${PROJECT.id}/events?path=/twosess`).expect(200);
    expect(stored.body.events.map((e: { eventId: string; sessionId: string }) => [e.eventId, e.sessionId])).to.deep.equal([
      [first.eventId, b.sessionId],
      [first.eventId, a.sessionId],
    ]);
  });

  it("the same eventId in two projects is two events", async () => {
    const s = new SdkSession("twoproj");
    const body = s.payload([s.click(5, 5)]);
    await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body).expect(200);
    const other = await request(c.app).post("/ingest").set("x-project-key", "hk_test_blog_key_0123456789abcdef").send(body).expect(200);
    expect(other.body.stored).to.equal(1);
  });
});
