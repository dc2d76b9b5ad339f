import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Redis } from "ioredis";
import type { Logger } from "@m-software-engineering/heat-collector-kernel";
import { connectRedis } from "./ioredis";
import { DEFAULT_KEY_PREFIX, type RateLimitOptions, type RedisClient } from "./options";

/** A Redis round trip slower than this counts as an outage: the request is counted in memory. */
export const REDIS_TIMEOUT_MS = 250;
/** How long start() waits for the plugin's own connection before serving with the fallback. */
export const REDIS_CONNECT_WAIT_MS = 2_000;

export interface SharedLimiter {
  limiter: RateLimiterAbstract;
  /** Waits (bounded) for a connection the plugin opened, so the first requests are counted in Redis. */
  ready(): Promise<void>;
  /** Closes the connection if the plugin opened it; a client passed in is left to its owner. */
  close(): Promise<void>;
}

function memoryLimiter(options: RateLimitOptions): RateLimiterMemory {
  return new RateLimiterMemory({ points: options.max, duration: options.windowMs / 1000 });
}

/** Counting in this process only: the default, and the fallback while Redis is unreachable. */
export function localLimiter(options: RateLimitOptions): SharedLimiter {
  return { limiter: memoryLimiter(options), ready: async () => undefined, close: async () => undefined };
}

/** Logs an outage once when it starts and once when it ends (ioredis emits an error per retry). */
function watchConnection(client: Redis, logger: Logger): void {
  let down = false;
  client.on("error", (err: Error) => {
    if (down) return;
    down = true;
    logger.warn("rate limit: Redis unreachable, counting in this process until it is back", { error: err.message });
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info("rate limit: Redis reachable again, counting shared");
  });
}

function waitReady(client: Redis, ms: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done).off("error", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once("ready", done).once("error", done);
  });
}

/**
 * A budget shared by every process on one Redis (RateLimiterRedis). When Redis is unreachable or
 * slower than REDIS_TIMEOUT_MS, requests are counted by a per-process in-memory limiter of the same
 * size (rate-limiter-flexible's insurance limiter): ingest never fails for a Redis outage, and
 * during one each process allows up to `max` per window on its own.
 */
export function redisLimiter(options: RateLimitOptions & { redis: string | RedisClient }, logger: Logger): SharedLimiter {
  const owned = typeof options.redis === "string" ? connectRedis(options.redis) : undefined;
  if (owned) watchConnection(owned, logger);
  const store = new RateLimiterRedis({
    storeClient: owned ?? options.redis,
    keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    points: options.max,
    duration: options.windowMs / 1000,
    // A client that is not connected is not sent the command (it would wait in its offline queue).
    rejectIfRedisNotReady: true,
  });
  const limiter = new RLWrapperTimeouts({ limiter: store, timeoutMs: REDIS_TIMEOUT_MS, insuranceLimiter: memoryLimiter(options) });
  return {
    limiter,
    async ready() {
      if (!owned) return;
      await waitReady(owned, REDIS_CONNECT_WAIT_MS);
      if (owned.status !== "ready") logger.warn("rate limit: Redis not reachable at start, counting in this process until it is");
    },
    async close() {
      if (!owned) return;
      // QUIT lets commands in flight finish; a connection that is not up is just dropped.
      if (owned.status === "ready") await owned.quit().catch(() => owned.disconnect());
      else owned.disconnect();
    },
  };
}
