import { RateLimitError } from "./errors";

/**
 * The part of an ioredis client that rate-limiter-flexible's RateLimiterRedis uses; an ioredis
 * `Redis` instance satisfies it. Declared here so that ioredis stays an optional peer dependency.
 */
export interface RedisClient {
  /** ioredis connection state; the limiter sends nothing unless it is "ready". */
  readonly status: string;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  multi(): unknown;
}

export interface RateLimitOptions {
  /** Window length in ms (whole seconds when `redis` is set: Redis expires keys by the second). */
  windowMs: number;
  /** Requests allowed per key and client IP in one window. */
  max: number;
  /**
   * Count in Redis instead of in this process, so that several collector processes share one
   * budget: a `redis://` URL (the plugin opens the connection and closes it on collector.close())
   * or an ioredis client (yours to connect and close). Needs the `ioredis` package.
   */
  redis?: string | RedisClient;
  /** Prefix of the Redis keys. Default "heat-collector:rate-limit". */
  keyPrefix?: string;
}

export const DEFAULT_KEY_PREFIX = "heat-collector:rate-limit";

export function checkOptions(options: RateLimitOptions): void {
  if (!(options.windowMs > 0) || !(options.max >= 1) || !Number.isInteger(options.max)) {
    throw new RateLimitError("invalid_options", "rateLimit: windowMs > 0 and an integer max >= 1 are required.");
  }
  if (options.redis === undefined) return;
  // RateLimiterRedis sets the key's expiry with EX in whole seconds: 1500 ms would silently become
  // 1 s, and anything under 1 s would never expire.
  if (!Number.isInteger(options.windowMs / 1000)) {
    throw new RateLimitError("invalid_options", `rateLimit: with redis, windowMs must be a whole number of seconds (got ${options.windowMs}).`);
  }
  if (typeof options.redis === "string" && !/^rediss?:\/\//.test(options.redis)) {
    throw new RateLimitError("invalid_options", "rateLimit: redis must be a redis:// or rediss:// URL, or an ioredis client.");
  }
  if (options.keyPrefix !== undefined && options.keyPrefix.length === 0) {
    throw new RateLimitError("invalid_options", "rateLimit: keyPrefix must not be empty.");
  }
}
