import { expect } from "chai";
import Redis from "ioredis";
import request from "supertest";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { rateLimit } from "@m-software-engineering/heat-collector-rate-limit";
import { SdkSession } from "../helpers/sdk";
import { requireService } from "../helpers/services";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

describe("rate limiting shared by two collectors through Redis (rate-limiter-flexible)", () => {
  let redis: Redis;
  const collectors: TestCollector[] = [];

  before(async function () {
    redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on("error", () => undefined);
    await requireService(this, "Redis", () => redis.connect().then(() => redis.ping()));
    const prefix = `hc-test-${process.pid}-${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: prefix, points: 3, duration: 60 });
      collectors.push(await startCollector({ plugins: [rateLimit({ windowMs: 60_000, max: 3, limiter })] }));
    }
  });
  after(async () => {
    for (const c of collectors) await c.close();
    redis?.disconnect();
  });

  it("counts requests to either collector against one budget per key and IP", async () => {
    const s = new SdkSession("redis-rl");
    const send = (c: TestCollector) => request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(1, 1)]));
    const statuses = [];
    for (const c of [collectors[0]!, collectors[1]!, collectors[0]!, collectors[1]!]) statuses.push((await send(c)).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429]);
  });
});
