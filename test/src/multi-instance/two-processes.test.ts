/**
 * Two collector processes (child_process.fork of support/collector-process.ts) on one PostgreSQL
 * and on one MariaDB database, a fresh one per suite: they must behave as one collector.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import Redis from "ioredis";
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../helpers/sdk";
import { requireService } from "../helpers/services";
import { expectedClicks } from "../helpers/heatmap-brute-force";
import { OTHER_PROJECT, PROJECT } from "../helpers/collector";
import { DATABASES, type SharedDatabase } from "./support/databases";
import { call, startInstance, type Instance, type Reply } from "./support/instances";
import type { InstanceConfig } from "./support/protocol";
import { BATCH, clicksOf, eventKey, samplesByType, sdkTraffic } from "./support/traffic";

const REVOCABLE_KEY = "hk_test_shop_revocable_0123456789abcdef";
/** ProjectRegistry's cache life: how long another process may still accept a revoked key. */
const REGISTRY_CACHE_MS = 5_000;
const T0 = Date.UTC(2026, 10, 3, 6, 0, 0);
const PROJECTS = [{ ...PROJECT, keys: [REVOCABLE_KEY] }, OTHER_PROJECT];

const ingest = (instance: Instance, body: IngestPayload, key = PROJECT.key): Promise<Reply> => call(instance, "POST", "/ingest", { key, body });

/** Every event the events API returns for `query`, page by page. */
async function eventsOf(instance: Instance, query: string): Promise<Array<{ sessionId: string; eventId: string }>> {
  const out: Array<{ sessionId: string; eventId: string }> = [];
  for (let offset: number | null = 0; offset !== null; ) {
    const r = await call(instance, "GET", `/api/projects/${PROJECT.id}/events?limit=1000&offset=${offset}&${query}`);
    expect(r.status).to.equal(200);
    out.push(...(r.body.events as Array<{ sessionId: string; eventId: string }>));
    offset = (r.body.page as { nextOffset: number | null }).nextOffset;
  }
  return out;
}

const keysOf = (events: Array<{ sessionId: string; eventId: string }>) => events.map(eventKey).sort();

for (const target of DATABASES) {
  describe(`two collector processes on one ${target.name} database`, function () {
    this.timeout(120_000);
    let db: SharedDatabase | undefined;
    let pair: Instance[] = [];
    const config = (): InstanceConfig => ({ dialect: target.dialect, connectionString: db!.url, rateLimit: false, projects: PROJECTS });

    before(async function () {
      await requireService(this, target.name, target.probe);
      db = await target.create();
      // Both start at once on an empty database: migrations run under one lock, projects register twice.
      pair = await Promise.all(["A", "B"].map((name) => startInstance(name, config())));
    });
    after(async () => {
      await Promise.all(pair.map((i) => i.close()));
      await db?.drop();
    });

    it("exactly once: the same batches posted to both at once and retried, many sessions concurrently", async () => {
      const [a, b] = pair as [Instance, Instance];
      const traffic = sdkTraffic("once", 16, 3, T0);
      const replies: Reply[] = [];
      await Promise.all(
        traffic.sessions.map(async (batches, si) => {
          for (const [bi, body] of batches.entries()) {
            // Both instances at once (a client whose first reply was lost), then the SDK's retry to either.
            const both = await Promise.all([ingest(a, body), ingest(b, body)]);
            const retry = await ingest((si + bi) % 2 === 0 ? a : b, body);
            const three = [...both, retry];
            expect(three.map((r) => r.status)).to.deep.equal([200, 200, 200]);
            expect(three.reduce((n, r) => n + (r.body.stored as number), 0), "one reply stores the batch").to.equal(BATCH);
            replies.push(...three);
          }
        }),
      );
      const total = traffic.events.length;
      expect(replies.reduce((n, r) => n + (r.body.duplicates as number), 0)).to.equal(2 * total);

      for (const instance of [a, b]) expect(keysOf(await eventsOf(instance, ""))).to.deep.equal(keysOf(traffic.events));
      const [row] = await db!.query(`SELECT COUNT(*) AS n FROM events WHERE project_id = '${PROJECT.id}'`);
      expect(Number(row!.n)).to.equal(total);

      const sessions = await call(b, "GET", `/api/projects/${PROJECT.id}/sessions?limit=200`);
      const counts = Object.fromEntries((sessions.body.sessions as Array<{ sessionId: string; eventCount: number }>).map((s) => [s.sessionId, s.eventCount]));
      expect(counts).to.deep.equal(Object.fromEntries(traffic.sessions.map((batches) => [batches[0]!.session.id, batches.length * BATCH])));

      // Straight after the load, before any fold could run: the query API adds what is pending.
      const clicks = clicksOf(traffic.events);
      const breakdown = samplesByType(traffic.events);
      const sampleTotal = Object.values(breakdown).reduce((n, v) => n + v, 0);
      const ranges: Array<[number, number]> = [
        [0, 8.64e15],
        [T0 + 17 * 60_000 + 123, T0 + 5 * 3_600_000 + 3 * 60_000], // whole hours plus partial ones at both ends
      ];
      for (const instance of [a, b]) {
        const all = await call(instance, "GET", `/api/projects/${PROJECT.id}/heatmap?type=all`);
        expect(all.body.meta).to.deep.include({ total: sampleTotal, typeBreakdown: breakdown });
        for (const [from, to] of ranges) {
          const heat = await call(instance, "GET", `/api/projects/${PROJECT.id}/heatmap?type=click&from=${from}&to=${to}&resolution=128`);
          expect(heat.status).to.equal(200);
          expect(heat.body.points).to.deep.equal(expectedClicks(clicks, from, to, 128, 1300));
        }
      }
    });

    it("a key revoked through one instance is refused by the other within the registry cache's 5 s", async () => {
      const [a, b] = pair as [Instance, Instance];
      const s = new SdkSession("revoke", T0);
      const send = (i: Instance) => ingest(i, s.payload([s.click(10, 10)]), REVOCABLE_KEY);
      expect((await send(b)).status, "B accepts the key (and caches it)").to.equal(200);
      expect((await call(a, "POST", "/test-admin/revoke", { body: { secret: REVOCABLE_KEY } })).body).to.deep.equal({ revoked: true });
      // B cached the key before the revocation was committed, so its entry is gone by revokedAt + 5 s:
      // a request sent after that must be refused, however slow the machine.
      const revokedAt = Date.now();
      expect((await send(a)).body).to.include({ code: "invalid_project_key" });
      let refused = false;
      while (!refused && Date.now() - revokedAt < 2 * REGISTRY_CACHE_MS) {
        const sentAfterMs = Date.now() - revokedAt;
        const r = await send(b);
        refused = r.status === 401;
        if (refused) expect(r.body).to.include({ code: "invalid_project_key" });
        else {
          expect(r.status).to.equal(200);
          expect(sentAfterMs, "B accepted the revoked key after its cache's life").to.be.below(REGISTRY_CACHE_MS);
          await sleep(100);
        }
      }
      expect(refused, "B never refused the revoked key").to.equal(true);
      expect((await send(b)).status, "and keeps refusing it").to.equal(401);
    });

    it("an instance killed with SIGKILL mid-load: the other keeps answering and nothing acknowledged is lost", async () => {
      const survivor = pair[0]!;
      const victim = await startInstance("C", config());
      const traffic = sdkTraffic("kill", 10, 4, T0 + 86_400_000);
      const acknowledged: IngestEvent[] = [];
      let victimAcks = 0;
      let victimFailures = 0;
      let killing: Promise<void> | undefined;
      await Promise.all(
        traffic.sessions.map(async (batches, si) => {
          for (const [bi, body] of batches.entries()) {
            let reply: Reply | undefined;
            if ((si + bi) % 2 === 1) {
              // Half the batches go to the victim; it dies after its 6th acknowledged batch.
              reply = await ingest(victim, body).catch(() => undefined);
              if (reply?.status === 200 && ++victimAcks === 6) killing = victim.kill();
              if (!reply) victimFailures++;
            }
            // The survivor gets the rest, and the SDK's retry of a batch the victim never answered.
            reply ??= await ingest(survivor, body);
            expect(reply.status).to.equal(200);
            acknowledged.push(...body.events);
          }
        }),
      );
      await killing;
      expect(victim.child.signalCode).to.equal("SIGKILL");
      expect(victimFailures, "some batches were sent to the killed instance").to.be.above(0);
      const stored = await eventsOf(survivor, `from=${T0 + 86_400_000}`);
      expect(keysOf(stored)).to.deep.equal(keysOf(acknowledged));
      expect(keysOf(acknowledged)).to.deep.equal(keysOf(traffic.events));
    });

    describe("with ingestion.rateLimit.redis", () => {
      const MAX = 20;
      let limited: Instance[] = [];
      let redis: Redis | undefined;

      before(async function () {
        redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
        redis.on("error", () => undefined);
        await requireService(this, "Redis", () => redis!.connect().then(() => redis!.ping()));
        const rateLimit = { windowMs: 60_000, max: MAX, redis: "redis://127.0.0.1:6379", keyPrefix: `hc-multi:${randomBytes(6).toString("hex")}` };
        limited = await Promise.all(["RL-A", "RL-B"].map((name) => startInstance(name, { ...config(), rateLimit })));
      });
      after(async () => {
        await Promise.all(limited.map((i) => i.close()));
        redis?.disconnect();
      });

      it("counts one budget per key and IP across both processes", async () => {
        const s = new SdkSession("rl-seq", T0);
        const remaining: number[] = [];
        for (let i = 0; i < MAX; i++) {
          const r = await ingest(limited[i % 2]!, s.payload([s.click(1, 1)]));
          expect(r.status).to.equal(200);
          remaining.push(Number(r.headers.get("x-ratelimit-remaining")));
        }
        expect(remaining).to.deep.equal(Array.from({ length: MAX }, (_, i) => MAX - 1 - i));
        for (const instance of limited) {
          const r = await ingest(instance, s.payload([s.click(1, 1)]));
          expect(r.status).to.equal(429);
          expect(r.body).to.include({ code: "rate_limited" });
        }
      });

      it("a burst at both at once: exactly max requests accepted in all", async () => {
        const s = new SdkSession("rl-burst", T0);
        const replies = await Promise.all(Array.from({ length: 2 * MAX }, (_, i) => ingest(limited[i % 2]!, s.payload([s.click(i, i)]), OTHER_PROJECT.key)));
        expect(replies.filter((r) => r.status === 200)).to.have.length(MAX);
        expect(replies.filter((r) => r.status === 429)).to.have.length(MAX);
      });

      it("collector.close() releases the Redis connection and the database: each process ends by itself", async () => {
        const codes = await Promise.all(limited.map((i) => i.close()));
        expect(codes).to.deep.equal([0, 0]);
      });
    });
  });
}
