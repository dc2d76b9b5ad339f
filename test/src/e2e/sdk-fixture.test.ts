import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import request from "supertest";
import { EVENT_TYPES } from "@m-software-engineering/heat-collector";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import type { SentBatch } from "./support/network";

/** A request body captured from the real heat-sdk 0.2.6 in Chromium (see sdk-browser.test.ts). */
const FIXTURE = join(__dirname, "..", "..", "fixtures", "sdk-0.2.6-batch.json");

describe("e2e: a real heat-sdk 0.2.6 batch (fixture) round-trips", () => {
  const batch = JSON.parse(readFileSync(FIXTURE, "utf8")) as SentBatch;
  let c: TestCollector;

  before(async () => {
    c = await startCollector();
  });
  after(() => c.close());

  it("holds every event type the SDK can send", () => {
    expect(batch.sdk).to.deep.equal({ name: "@m-software-engineering/heat-sdk", version: "0.2.6" });
    expect([...new Set(batch.events.map((e) => e.type))].sort()).to.deep.equal([...EVENT_TYPES].sort());
  });

  it("is stored whole, and every event comes back through the API with the fields the SDK sent", async () => {
    const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(batch).expect(200);
    expect(res.body).to.include({ accepted: batch.events.length, stored: batch.events.length, duplicates: 0, dropped: 0 });

    for (const type of EVENT_TYPES) {
      const sent = batch.events.filter((e) => e.type === type);
      const list = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).query({ type, limit: 1000 }).expect(200);
      const stored = new Map<string, Record<string, unknown>>(list.body.events.map((e: Record<string, unknown>) => [e.eventId, e]));
      expect(stored.size, type).to.equal(sent.length);
      for (const e of sent) {
        const back = stored.get(e.eventId);
        expect(back, `${type} ${e.eventId}`).to.not.equal(undefined);
        for (const [field, value] of Object.entries(e)) expect(back![field], `${type}.${field}`).to.deep.equal(value);
        expect(back!.userId).to.equal(batch.user!.id);
      }
    }
  });

  it("the session carries the SDK's session id, user and app", async () => {
    const res = await request(c.app).get(`/api/sessions/${batch.session.id}`).expect(200);
    expect(res.body.session).to.include({ sessionId: batch.session.id, userId: batch.user!.id, eventCount: batch.events.length });
    expect(res.body.session.userTraits).to.deep.equal(batch.user!.traits);
    expect(res.body.session.app).to.deep.equal(batch.app);
  });

  it("a re-sent copy (the SDK's retry) is recognised, nothing stored twice", async () => {
    const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(batch).expect(200);
    expect(res.body).to.include({ stored: 0, duplicates: batch.events.length });
  });
});
