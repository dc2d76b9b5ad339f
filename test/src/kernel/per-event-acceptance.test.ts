import { expect } from "chai";
import request from "supertest";
import { PATH_MAX_LENGTH, type IngestEvent } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { onEveryStore } from "../security/on-every-store";

interface Reply {
  accepted: number;
  stored: number;
  duplicates: number;
  rejected: number;
  normalized: number;
  rejections?: Array<{ index: number; eventId: string | null; code: string; path: string; message: string }>;
  warnings?: Array<{ path: string; message: string }>;
}

/** A URL as long campaign links make them: a short pathname, a query of thousands of characters, a fragment. */
const LONG_PATH = `/search?q=${"shoes+".repeat(500)}&utm_source=newsletter#results`;

onEveryStore("per-event acceptance: a usable batch is stored event by event", (adapter) => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector({ storage: adapter() });
  });
  after(() => c?.close());

  const post = (body: unknown) => request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body as object);
  const events = async (query: string) =>
    (await request(c.app).get(`/api/projects/${PROJECT.id}/events?limit=1000&${query}`).expect(200)).body.events as Array<Record<string, unknown>>;

  it("a visit that starts on a URL over 2,048 characters keeps all its clicks; the long path is stored cut, its pathname intact", async () => {
    const s = new SdkSession("long-url");
    const first = [s.pageview(LONG_PATH), s.click(40, 50, LONG_PATH)];
    const second = [s.pageview("/shoes", LONG_PATH), s.click(41, 51, "/shoes"), s.click(42, 52, "/shoes"), s.click(43, 53, "/shoes")];
    const r1 = (await post(s.payload(first)).expect(200)).body as Reply;
    const r2 = (await post(s.payload(second)).expect(200)).body as Reply;
    expect(r1).to.include({ accepted: 2, stored: 2, rejected: 0, normalized: 2 });
    expect(r2).to.include({ accepted: 4, stored: 4, rejected: 0, normalized: 1 });

    const clicks = await events(`type=click&sessionId=${s.sessionId}`);
    expect(clicks).to.have.length(4);
    const long = clicks.find((e) => e.eventId === first[1]!.eventId)!;
    expect(long.path).to.have.length(PATH_MAX_LENGTH);
    expect((long.path as string).startsWith("/search?q=shoes+")).to.equal(true);
    expect((long.path as string).endsWith("\u2026")).to.equal(true);
    expect((long.meta as Record<string, unknown>).normalized).to.deep.equal({ "/path": { cutFrom: LONG_PATH.length } });
    // The pathname is the heatmap key: the long visit's click counts on /search.
    const heat = (await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?type=click&path=/search`).expect(200)).body;
    expect(heat.meta.total).to.equal(1);
    const pageview = (await events(`type=pageview&sessionId=${s.sessionId}`)).find((e) => e.eventId === second[0]!.eventId)!;
    expect(pageview.from).to.have.length(PATH_MAX_LENGTH);
    expect((pageview.meta as Record<string, unknown>).normalized).to.deep.equal({ "/from": { cutFrom: LONG_PATH.length } });
  });

  it("a custom event with too-deep props is refused alone; the reply names it; a retry stores nothing twice", async () => {
    const s = new SdkSession("deep-props");
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 12; i++) deep = { nest: deep };
    const bad = { ...s.custom("checkout"), props: deep } as unknown as IngestEvent;
    const batch = s.payload([s.click(1, 1), bad, s.scroll(100, 20), s.keyboard("editing")]);
    const first = (await post(batch).expect(200)).body as Reply;
    expect(first).to.include({ accepted: 3, stored: 3, duplicates: 0, rejected: 1 });
    expect(first.rejections).to.deep.equal([
      { index: 1, eventId: bad.eventId, code: "invalid_event", path: "/events/1/props", message: "must not nest deeper than 8" },
    ]);
    const retry = (await post(batch).expect(200)).body as Reply;
    expect(retry).to.include({ accepted: 3, stored: 0, duplicates: 3, rejected: 1 });
    const stored = await events(`sessionId=${s.sessionId}`);
    expect(stored.map((e) => e.eventId).sort()).to.deep.equal([batch.events[0]!, batch.events[2]!, batch.events[3]!].map((e) => e.eventId).sort());
    const session = (await request(c.app).get(`/api/sessions/${s.sessionId}`).expect(200)).body.session;
    expect(session.eventCount).to.equal(3);
  });

  it("a batch whose every event is refused is still answered 200 (a retry cannot fix it), and stores nothing", async () => {
    const s = new SdkSession("all-bad");
    const res = (await post(s.payload([{ ...s.click(1, 1), x: "left" } as unknown as IngestEvent, { ...s.click(2, 2), ts: -1 }])).expect(200)).body as Reply;
    expect(res).to.include({ accepted: 0, stored: 0, rejected: 2 });
    expect(res.rejections!.map((r) => [r.index, r.path])).to.deep.equal([
      [0, "/events/0/x"],
      [1, "/events/1/ts"],
    ]);
    expect(await events(`sessionId=${s.sessionId}`)).to.deep.equal([]);
  });

  it("a user that breaks the schema is dropped with a warning; the events are stored without it", async () => {
    const s = new SdkSession("long-user");
    const res = (await post(s.payload([s.click(5, 5)], { id: "u".repeat(300) })).expect(200)).body as Reply;
    expect(res).to.include({ stored: 1, rejected: 0 });
    expect(res.warnings).to.have.length(1);
    expect(res.warnings![0]!.path).to.equal("/user");
    const [e] = await events(`sessionId=${s.sessionId}`);
    expect(e!.userId).to.equal(null);
  });

  it("the reply lists the first 10 rejections and counts them all", async () => {
    const s = new SdkSession("many-bad");
    const list = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? s.click(i, i) : ({ ...s.click(i, i), y: "top" } as unknown as IngestEvent)));
    const res = (await post(s.payload(list)).expect(200)).body as Reply;
    expect(res).to.include({ stored: 15, rejected: 15 });
    expect(res.rejections!.map((r) => r.index)).to.deep.equal([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });
});
