import { RateLimiterRes } from "rate-limiter-flexible";
import { hashSecret, reject, type CollectorPlugin, type IngestContext } from "@m-software-engineering/heat-collector-kernel";
import { checkOptions, type RateLimitOptions } from "./options";
import { localLimiter, redisLimiter, type SharedLimiter } from "./shared-limiter";

export { DEFAULT_KEY_PREFIX, type RateLimitOptions, type RedisClient } from "./options";
export { RateLimitError, type RateLimitErrorCode } from "./errors";
export { REDIS_TIMEOUT_MS } from "./shared-limiter";

/**
 * Bucket key: a hash of the project key and the client IP, so that neither is kept in clear, in
 * memory or in Redis (where it lives for one window).
 */
function bucketOf(ctx: IngestContext): string {
  const key = ctx.request.headers["x-project-key"];
  return hashSecret(`${typeof key === "string" ? key : ""}\n${ctx.ip}`).slice(0, 32);
}

function headers(max: number, res: RateLimiterRes): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(max),
    "X-RateLimit-Remaining": String(Math.max(0, res.remainingPoints)),
    "X-RateLimit-Reset": String(Math.ceil((Date.now() + res.msBeforeNext) / 1000)),
  };
}

/**
 * Fixed-window limit per project key and client IP on POST /ingest, tapping beforeAuth so that
 * refused requests cost no body parsing. Counting is done by rate-limiter-flexible: in this process,
 * or in Redis when `redis` is given (see shared-limiter.ts for what happens when Redis is down).
 */
export function rateLimit(options: RateLimitOptions): CollectorPlugin {
  checkOptions(options);
  const { redis } = options;
  return {
    name: "rate-limit",
    apply(kernel) {
      const shared: SharedLimiter = redis === undefined ? localLimiter(options) : redisLimiter({ ...options, redis }, kernel.logger);
      kernel.hooks.startup.tapPromise("rate-limit", () => shared.ready());
      kernel.hooks.shutdown.tapPromise("rate-limit", () => shared.close());
      kernel.hooks.beforeAuth.tapPromise("rate-limit", async (ctx) => {
        try {
          const res = await shared.limiter.consume(bucketOf(ctx));
          for (const [k, v] of Object.entries(headers(options.max, res))) ctx.response.setHeader(k, v);
          return undefined;
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
          return reject("rate_limited", `Too many requests: at most ${options.max} per ${options.windowMs} ms.`, {
            headers: { ...headers(options.max, err), "Retry-After": String(retryAfter) },
            details: { retryAfterSec: retryAfter },
          });
        }
      });
    },
  };
}
