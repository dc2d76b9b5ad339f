import type { Redis, RedisOptions } from "ioredis";
import { RateLimitError } from "./errors";

type RedisConstructor = new (url: string, options: RedisOptions) => Redis;

/** Loads an optional peer package by name; a missing one fails naming the package to install. */
export function requireOptionalPeer<T>(pkg: string, why: string): T {
  try {
    return require(pkg) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw err;
    throw new RateLimitError("redis_client_missing", `${why} needs the "${pkg}" package: run \`npm install ${pkg}\`.`, { cause: err });
  }
}

/**
 * Opens the connection for `rateLimit({ redis: url })`. No offline queue: while Redis is down a
 * command fails at once (and the request is counted in memory) instead of waiting to be replayed.
 */
export function connectRedis(url: string): Redis {
  const { Redis: Client } = requireOptionalPeer<{ Redis: RedisConstructor }>("ioredis", "rateLimit.redis");
  return new Client(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: "heat-collector-rate-limit" });
}
