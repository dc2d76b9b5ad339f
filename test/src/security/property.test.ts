import { expect } from "chai";
import fc from "fast-check";
import request from "supertest";
import type { IngestEvent } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { onEveryStore } from "./on-every-store";

/**
 * Property: whatever is thrown at /ingest, the answer is never a 5xx, and the stored events are
 * exactly the union of the events of accepted batches (minus the events each reply lists as
 * rejected, and privacy drops), each stored once.
 */
onEveryStore("property (fast-check): /ingest never 5xx, stores exactly the accepted events", (adapter) => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector({ storage: adapter(), ingestion: { rateLimit: false, maxBodyBytes: 200_000 } });
  });
  after(() => c?.close());

  const s = new SdkSession("prop");
  // A small id pool so that batches overlap and retries happen.
  const eventId = fc.integer({ min: 0, max: 40 }).map((n) => `prop-${n}`);
  const coord = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-1e9));
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: "binary", maxLength: 20 }), fc.constant("'; DROP TABLE events; --"));
  const validEvent: fc.Arbitrary<IngestEvent> = fc
    .tuple(
      eventId,
      fc.constantFrom("click", "move", "scroll", "pageview", "custom", "input", "keyboard"),
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.string({ maxLength: 5 }),
      fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
    )
    .map(([id, type, x, y, str, ts]) => {
      const base = { ...s.click(x, y), eventId: id, ts };
      switch (type) {
        case "move":
          return { ...s.move([[x, y], [y, x]]), eventId: id, ts };
        case "scroll":
          return { ...s.scroll(y, (x % 101)), eventId: id, ts };
        case "pageview":
          return { ...s.pageview(`/p${str}`), eventId: id, ts };
        case "custom":
          return { ...s.custom(`n${str}`, { k: str }), eventId: id, ts };
        case "input":
          return { ...s.input("change", x % 3 === 0 ? "abc" : "***"), eventId: id, ts };
        case "keyboard":
          return { ...s.keyboard("other"), eventId: id, ts };
        default:
          return base;
      }
    });
  // Mutations: replace one field of a valid event with anything.
  const mutated = fc
    .tuple(validEvent, fc.constantFrom("x", "ts", "path", "viewport", "type", "eventId", "points", "meta", "props", "__proto__"), fc.oneof(fc.jsonValue({ maxDepth: 4 }), coord, text))
    .map(([e, k, v]) => ({ ...e, [k]: v }) as unknown as IngestEvent);
  const body = fc.oneof(
    { weight: 3, arbitrary: fc.array(validEvent, { minLength: 1, maxLength: 8 }).map((events) => ({ session: { id: s.sessionId }, events })) },
    { weight: 2, arbitrary: fc.array(fc.oneof(validEvent, mutated), { minLength: 1, maxLength: 8 }).map((events) => ({ session: { id: s.sessionId }, events })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }) },
  );

  it("holds over 200 generated requests", async () => {
    const accepted = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).set("content-type", "application/json").send(JSON.stringify(payload));
        expect(res.status, JSON.stringify(res.body)).to.be.within(200, 499);
        if (res.status === 200) {
          // Batches hold at most 8 events, so every rejection is listed (the reply lists up to 10).
          expect(res.body.rejections ?? []).to.have.length(res.body.rejected);
          const refused = new Set((res.body.rejections ?? []).map((r: { index: number }) => r.index));
          const events = (payload as { events: IngestEvent[] }).events.filter((_, i) => !refused.has(i));
          for (const e of events) {
            const leaked = e.type === "input" && e.masked !== undefined && !/^\**$/.test(e.masked);
            if (!leaked && !accepted.has(e.eventId)) accepted.set(e.eventId, e.ts);
          }
        }
      }),
      { numRuns: 200, seed: 20261127 },
    );
    const stored = await request(c.app).get(`/api/projects/${PROJECT.id}/events?limit=1000`).expect(200);
    const ids = stored.body.events.map((e: { eventId: string }) => e.eventId).sort();
    expect(ids).to.deep.equal([...accepted.keys()].sort());
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
