import { expect } from "chai";
import request from "supertest";
import type { CollectorPlugin } from "@m-software-engineering/heat-collector";
import { SqliteStorage } from "@m-software-engineering/heat-collector-storage-sqlite";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, tempDir, type TestCollector } from "../helpers/collector";

describe("plugins", () => {
  describe("a custom plugin in a few lines", () => {
    // Drops keyboard events before they are stored, tags the rest, and adds a field to heatmaps.
    const tagger: CollectorPlugin = {
      name: "tagger",
      apply(kernel) {
        kernel.hooks.onBeforeInsert.tap("tagger", (payload) => ({
          ...payload,
          events: payload.events.filter((e) => e.type !== "keyboard").map((e) => ({ ...e, meta: { ...e.meta, tagged: "yes" } })),
        }));
        kernel.hooks.afterQuery.tap("tagger", (result) =>
          result.endpoint === "heatmap" ? { ...result, body: { ...result.body, meta: { ...result.body.meta, taggedBy: "tagger" } } } : result,
        );
      },
    };
    let c: TestCollector;
    before(async () => {
      c = await startCollector({ plugins: [tagger] });
    });
    after(() => c.close());

    it("changes what is stored and what is returned", async () => {
      const s = new SdkSession("plug");
      const res = await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(3, 3), s.keyboard("editing")])).expect(200);
      expect(res.body).to.include({ accepted: 1, stored: 1 });
      const events = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
      expect(events.body.events.map((e: { type: string }) => e.type)).to.deep.equal(["click"]);
      expect(events.body.events[0].meta.tagged).to.equal("yes");
      const heatmap = await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap`).expect(200);
      expect(heatmap.body.meta.taggedBy).to.equal("tagger");
    });
  });

  describe("config.hooks.onBeforeInsert (the seed README's hook)", () => {
    let c: TestCollector;
    before(async () => {
      c = await startCollector({
        hooks: { onBeforeInsert: async (payload) => ({ ...payload, events: payload.events.filter((e) => e.path !== "/admin") }) },
      });
    });
    after(() => c.close());

    it("filters what is stored; the reply counts what was kept", async () => {
      const s = new SdkSession("hook");
      const res = await request(c.app)
        .post("/ingest")
        .set("x-project-key", PROJECT.key)
        .send(s.payload([s.click(1, 1, "/admin"), s.click(2, 2, "/")]))
        .expect(200);
      expect(res.body).to.include({ accepted: 1, stored: 1 });
    });

    it("a hook returning an unusable batch (no session id) is a 500, nothing stored", async () => {
      const bad = await startCollector({ hooks: { onBeforeInsert: (p) => ({ ...p, session: { id: "" } }) } });
      try {
        const s = new SdkSession("badhook");
        const res = await request(bad.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(1, 1)]));
        expect(res.status).to.equal(500);
        expect(res.body.code).to.equal("internal_error");
        const events = await request(bad.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
        expect(events.body.events).to.have.length(0);
      } finally {
        await bad.close();
      }
    });

    it("a hook that breaks one event costs that event, not the batch (code hook_invalid_event)", async () => {
      const bad = await startCollector({
        hooks: { onBeforeInsert: (p) => ({ ...p, events: p.events.map((e) => (e.type === "scroll" ? { ...e, ts: -1 } : e)) }) },
      });
      try {
        const s = new SdkSession("halfhook");
        const events = [s.click(1, 1), s.scroll(10, 50), s.click(2, 2)];
        const res = await request(bad.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload(events)).expect(200);
        expect(res.body).to.include({ accepted: 2, stored: 2, rejected: 1 });
        expect(res.body.rejections[0]).to.include({ index: 1, eventId: events[1]!.eventId, code: "hook_invalid_event", path: "/events/1/ts" });
        const stored = await request(bad.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
        expect(stored.body.events.map((e: { eventId: string }) => e.eventId)).to.deep.equal([events[0]!.eventId, events[2]!.eventId]);
        const metrics = bad.collector.kernel.metrics.snapshot("x") as { ingest: { eventsRejected: Record<string, number> } };
        expect(metrics.ingest.eventsRejected).to.deep.equal({ hook_invalid_event: 1 });
      } finally {
        await bad.close();
      }
    });

    it("a hook that filters out every event stores nothing and answers 200", async () => {
      const none = await startCollector({ hooks: { onBeforeInsert: (p) => ({ ...p, events: [] }) } });
      try {
        const s = new SdkSession("nonehook");
        const res = await request(none.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(1, 1)])).expect(200);
        expect(res.body).to.include({ accepted: 0, stored: 0, rejected: 0 });
        const events = await request(none.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
        expect(events.body.events).to.have.length(0);
      } finally {
        await none.close();
      }
    });
  });

  describe("afterInsert observers and the kernel's rules", () => {
    it("afterInsert sees each committed batch with its counts", async () => {
      const seen: Array<{ stored: number; duplicates: number }> = [];
      const c = await startCollector({
        plugins: [{ name: "observer", apply: (k) => k.hooks.afterInsert.tap("observer", (o) => void seen.push({ stored: o.result.inserted, duplicates: o.result.duplicates })) }],
      });
      try {
        const s = new SdkSession("obs");
        const body = s.payload([s.click(1, 1), s.click(2, 2)]);
        await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body).expect(200);
        await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(body).expect(200);
        expect(seen).to.deep.equal([{ stored: 2, duplicates: 0 }, { stored: 0, duplicates: 2 }]);
      } finally {
        await c.close();
      }
    });

    it("refuses a second storage adapter and a plugin applied twice", async () => {
      const tmp = tempDir();
      const extra = new SqliteStorage({ file: `${tmp.dir}/extra.db` });
      try {
        await startCollector({ plugins: [{ name: "second-store", apply: (k) => k.registerStorage(extra) }] }).then(
          () => expect.fail("should not start"),
          (err: Error) => expect(err.message).to.match(/already registered/),
        );
        const twice: CollectorPlugin = { name: "twice", apply: () => undefined };
        await startCollector({ plugins: [twice, twice] }).then(
          () => expect.fail("should not start"),
          (err: Error) => expect(err.message).to.match(/already applied/),
        );
      } finally {
        await extra.close();
        tmp.cleanup();
      }
    });
  });
});
