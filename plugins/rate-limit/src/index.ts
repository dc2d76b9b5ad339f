import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { hashSecret, reject, type CollectorPlugin, type IngestContext } from "@m-software-engineering/heat-collector-kernel";

export interface RateLimitOptions {
  /** Window length in ms. */
  windowMs: number;
  /** Requests allowed per key and client IP in one window. */
  max: number;
  /**
   * A rate-limiter-flexible limiter to use instead of the in-process one, e.g. a RateLimiterRedis
   * shared by several collector processes. It must be built with points = max, duration = windowMs/1000.
   */
  limiter?: RateLimiterAbstract;
}

/** Bucket key: the project key (hashed: never kept in clear) and the client IP. */
function bucketOf(ctx: IngestContext): string {
  const key = ctx.request.headers["x-project-key"];
  return `${typeof key === "string" ? hashSecret(key).slice(0, 16) : "-"}|${ctx.ip}`;
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
 * refused requests cost no body parsing. Counting is done by rate-limiter-flexible.
 */
export function rateLimit(options: RateLimitOptions): CollectorPlugin {
  if (!(options.windowMs > 0) || !(options.max >= 1)) throw new Error("rateLimit: windowMs > 0 and max >= 1 are required");
  const limiter = options.limiter ?? new RateLimiterMemory({ points: options.max, duration: options.windowMs / 1000 });
  return {
    name: "rate-limit",
    apply(kernel) {
      kernel.hooks.beforeAuth.tapPromise("rate-limit", async (ctx) => {
        try {
          const res = await limiter.consume(bucketOf(ctx));
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
