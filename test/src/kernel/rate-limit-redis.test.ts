import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Socket } from "node:net";
import Redis from "ioredis";
import request from "supertest";
import { createCollector } from "@m-software-engineering/heat-collector";
import { RateLimitError, rateLimit } from "@m-software-engineering/heat-collector-rate-limit";
import { requireOptionalPeer } from "@m-software-engineering/heat-collector-rate-limit/dist/ioredis";
import { SdkSession } from "../helpers/sdk";
import { requireService } from "../helpers/services";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

/** A Redis URL nothing listens on: connections are refused at once. */
const DEAD_REDIS = "redis://127.0.0.1:1";

const post = (c: TestCollector, s: SdkSession) => request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(s.payload([s.click(1, 1)]));

async function statuses(order: TestCollector[], s: SdkSession): Promise<number[]> {
  const out: number[] = [];
  for (const c of order) out.push((await post(c, s)).status);
  return out;
}

describe("rate limit shared through Redis (ingestion.rateLimit.redis)", () => {
  let redis: Redis;
  const collectors: TestCollector[] = [];
  const prefix = () => `hc-test:${randomBytes(6).toString("hex")}`;

  before(async function () {
    redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on("error", () => undefined);
    await requireService(this, "Redis", () => redis.connect().then(() => redis.ping()));
  });
  afterEach(async () => {
    for (const c of collectors.splice(0)) await c.close();
  });
  after(() => redis?.disconnect());

  it("an ioredis client passed in: requests to either collector count against one budget; the client is left open", async () => {
    const keyPrefix = prefix();
    for (let i = 0; i < 2; i++) collectors.push(await startCollector({ ingestion: { rateLimit: { windowMs: 60_000, max: 3, redis, keyPrefix } } }));
    const [a, b] = collectors as [TestCollector, TestCollector];
    expect(await statuses([a, b, a, b], new SdkSession("redis-rl"))).to.deep.equal([200, 200, 200, 429]);
    expect(await redis.keys(`${keyPrefix}:*`)).to.have.length(1);
    for (const c of collectors.splice(0)) await c.close();
    expect(redis.status).to.equal("ready");
    expect(await redis.ping()).to.equal("PONG");
  });

  it("a redis:// URL: the plugin connects, waits for the connection at start, and shares the budget", async () => {
    const keyPrefix = prefix();
    for (let i = 0; i < 2; i++) collectors.push(await startCollector({ ingestion: { rateLimit: { windowMs: 60_000, max: 2, redis: "redis://127.0.0.1:6379", keyPrefix } } }));
    const [a, b] = collectors as [TestCollector, TestCollector];
    const replies = [];
    for (const c of [a, b, a]) replies.push(await post(c, new SdkSession("redis-url")));
    expect(replies.map((r) => r.status)).to.deep.equal([200, 200, 429]);
    expect(replies.map((r) => r.headers["x-ratelimit-remaining"])).to.deep.equal(["1", "0", "0"]);
    expect(replies[2]!.headers["retry-after"]).to.match(/^\d+$/);
    expect(Number(await redis.get((await redis.keys(`${keyPrefix}:*`))[0]!))).to.equal(3);
  });

  it("Redis unreachable from the start: the collector starts and counts in this process (never a 500)", async () => {
    collectors.push(await startCollector({ ingestion: { rateLimit: { windowMs: 60_000, max: 2, redis: DEAD_REDIS } } }));
    expect(await statuses([collectors[0]!, collectors[0]!, collectors[0]!], new SdkSession("redis-dead"))).to.deep.equal([200, 200, 429]);
  });

  it("a client passed in that goes down mid-run: requests are counted in this process instead", async () => {
    const own = new Redis({ host: "127.0.0.1", port: 6379, enableOfflineQueue: false });
    own.on("error", () => undefined);
    await new Promise((ready) => own.once("ready", ready));
    collectors.push(await startCollector({ ingestion: { rateLimit: { windowMs: 60_000, max: 3, redis: own, keyPrefix: prefix() } } }));
    const c = collectors[0]!;
    const s = new SdkSession("redis-down");
    expect(await statuses([c], s)).to.deep.equal([200]);
    own.disconnect();
    // The in-memory fallback has its own budget of 3, not the 2 left in Redis.
    expect(await statuses([c, c, c, c], s)).to.deep.equal([200, 200, 200, 429]);
  });

  it("a Redis that stops answering: requests are not held, they are counted in memory", async () => {
    // A server that completes ioredis's handshake (one +OK per CLIENT SETINFO) and then answers
    // nothing: a stalled Redis, not a refused one.
    const sockets: Socket[] = [];
    const stalled = createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (chunk) => socket.write("+OK\r\n".repeat(chunk.toString().match(/SETINFO/g)?.length ?? 0)));
    });
    await new Promise<void>((listening) => stalled.listen(0, "127.0.0.1", listening));
    const own = new Redis({ host: "127.0.0.1", port: (stalled.address() as AddressInfo).port, enableReadyCheck: false, enableOfflineQueue: false });
    own.on("error", () => undefined);
    try {
      await new Promise((ready) => own.once("ready", ready));
      collectors.push(await startCollector({ ingestion: { rateLimit: { windowMs: 60_000, max: 2, redis: own } } }));
      const c = collectors[0]!;
      expect(await statuses([c, c, c], new SdkSession("redis-stalled"))).to.deep.equal([200, 200, 429]);
    } finally {
      own.disconnect();
      for (const s of sockets) s.destroy();
      stalled.close();
    }
  });

  it("with redis, windowMs must be whole seconds (Redis expires keys by the second)", async () => {
    const err = await createCollector({
      db: { dialect: "sqlite", file: ":memory:" },
      auth: { mode: "projectKey" },
      logging: { level: "error" },
      ingestion: { rateLimit: { windowMs: 1500, max: 5, redis: "redis://127.0.0.1:6379" } },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RateLimitError);
    expect(err).to.include({ code: "invalid_options" });
    expect(() => rateLimit({ windowMs: 500, max: 5, redis })).to.throw(RateLimitError, /whole number of seconds/);
  });

  it("a missing optional peer fails naming the package to install", () => {
    expect(() => requireOptionalPeer("heat-collector-no-such-package", "rateLimit.redis"))
      .to.throw(RateLimitError, /rateLimit.redis needs the "heat-collector-no-such-package" package: run `npm install heat-collector-no-such-package`/)
      .with.property("code", "redis_client_missing");
  });
});
