import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";
import { reject, type CollectorPlugin, type KernelApi } from "@m-software-engineering/heat-collector-kernel";
import { createInstruments, type Instruments } from "./instruments";

export interface PrometheusOptions {
  /** Prometheus sends it as `Authorization: Bearer <token>` (scrape config `authorization.credentials`). Required:
   * the metrics name projects' traffic and error rates, so they are not for the open internet. */
  token: string;
  /** Default "/metrics". */
  path?: string;
  /** Prefix of every series name. Default "heat_collector_". */
  prefix?: string;
  /** prom-client's default process metrics (CPU, memory, event-loop lag, GC, handles). Default true. */
  defaultMetrics?: boolean;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Constant-time comparison of the presented bearer token with the configured one. */
function bearerMatches(req: Request, expected: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
  return timingSafeEqual(digest(header.slice("Bearer ".length)), expected);
}

/** Counts every answered POST /ingest by status and error code, and times it. */
function observeIngest(m: Instruments) {
  return (req: Request, res: Response, next: () => void): void => {
    if (req.method === "POST" && req.path === "/ingest") {
      const stop = m.ingestDuration.startTimer();
      res.once("finish", () => {
        const status = String(res.statusCode);
        stop({ status });
        m.ingestRequests.inc({ status, code: res.locals.errorCode ?? (res.statusCode < 400 ? "ok" : "unknown") });
      });
    }
    next();
  };
}

function tapKernel(kernel: KernelApi, m: Instruments): void {
  kernel.hooks.afterInsert.tap("prometheus", (outcome) => {
    m.events.inc({ outcome: "stored" }, outcome.result.inserted);
    m.events.inc({ outcome: "duplicate" }, outcome.result.duplicates);
    m.events.inc({ outcome: "dropped" }, outcome.dropped);
    m.events.inc({ outcome: "rejected" }, outcome.rejections.length);
    for (const r of outcome.rejections) m.eventsRejected.inc({ code: r.code });
  });
  kernel.hooks.storageCall.tap("prometheus", (call) => {
    m.storageDuration.observe({ op: call.op, outcome: call.outcome }, call.durationMs / 1000);
    if (call.outcome !== "ok") m.storageErrors.inc({ op: call.op, outcome: call.outcome });
  });
}

/**
 * Prometheus metrics at GET /metrics (bearer token), per process as Prometheus expects: scrape every
 * instance, sum in queries. Series are listed in instruments.ts and README "Running in production".
 */
export function prometheus(options: PrometheusOptions): CollectorPlugin {
  if (typeof options.token !== "string" || options.token.length < 16) {
    throw new Error("prometheus({ token }): a token of at least 16 characters is required");
  }
  const expected = digest(options.token);
  const path = options.path ?? "/metrics";
  const m = createInstruments(options.prefix ?? "heat_collector_", options.defaultMetrics ?? true);
  return {
    name: "prometheus",
    kernel: "^0.1.0",
    apply(kernel) {
      tapKernel(kernel, m);
      kernel.hooks.routes.tap("prometheus", (router) => {
        router.use(observeIngest(m));
        router.get(path, (req, res, next) => {
          if (!bearerMatches(req, expected)) return next(reject("forbidden", `GET ${path} needs Authorization: Bearer <the prometheus token>.`));
          m.inFlight.set(kernel.inFlight.size);
          m.registry.metrics().then((text) => {
            res.setHeader("Cache-Control", "no-store");
            // Set as is: res.type()/send() would reorder the content type's parameters.
            res.setHeader("Content-Type", m.registry.contentType);
            res.end(text);
          }, next);
        });
      });
    },
  };
}
