import { reject, type CollectorPlugin, type KernelApi } from "@m-software-engineering/heat-collector-kernel";
import { ProjectOrigins } from "./allowlist";
import { mountCorsRoutes } from "./cors-routes";
import { mountReadCors } from "./read-cors";
import { normalizeOrigin, originAccepted } from "./origins";

export { normalizeOrigin, originAccepted } from "./origins";
export { READ_ALLOWED_HEADERS, READ_METHODS } from "./read-cors";

export interface CorsOptions {
  /** Access-Control-Max-Age of preflight answers, in seconds. Default 600. */
  maxAgeSec?: number;
  /** How long the project list behind preflight answers is cached, in ms. Default 5000. */
  cacheTtlMs?: number;
}

/** What the heat-sdk sends: JSON, its project key and, with setAuthToken, a bearer JWT. */
export const ALLOWED_HEADERS = ["Content-Type", "x-project-key", "Authorization"] as const;
/** What a page may read from a reply: back-off hints and the id to quote in a bug report. */
export const EXPOSED_HEADERS = ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-Id"] as const;
const INGEST_PATH = "/ingest";

/**
 * CORS for the query APIs (see read-cors.ts: listed origins only, for dashboards) and for POST
 * /ingest, in two steps because a preflight carries header names but no values:
 * 1. preflight (OPTIONS) and the response headers of every /ingest reply: the origin is allowed when
 *    some project accepts it (see ProjectOrigins.anyAccepts), so errors (401, 429, ...) stay readable;
 * 2. the real request, in beforeAuth: the project named by `x-project-key` must accept the origin,
 *    else `origin_not_allowed` (403). A request without a known key (JWT only, or a bad key that
 *    authenticate will refuse) is held to step 1's rule.
 * Requests without an Origin header (servers, curl) are not browser requests: nothing is checked.
 */
export function cors(options: CorsOptions = {}): CollectorPlugin {
  const maxAge = String(options.maxAgeSec ?? 600);
  return {
    name: "cors",
    apply(kernel: KernelApi) {
      const origins = new ProjectOrigins(kernel.projects, options.cacheTtlMs ?? 5_000);

      kernel.hooks.routes.tap("cors", (router) => {
        mountReadCors(router, origins, maxAge);
        mountCorsRoutes(router, {
          prefix: INGEST_PATH,
          methods: "POST, OPTIONS",
          allowedHeaders: ALLOWED_HEADERS,
          exposedHeaders: EXPOSED_HEADERS,
          maxAge,
          allows: (origin) => origins.anyAccepts(origin),
          refusal: "No project accepts requests from this origin.",
        });
      });

      kernel.hooks.beforeAuth.tapPromise("cors", async (ctx) => {
        if (ctx.origin === undefined) return undefined;
        const origin = normalizeOrigin(ctx.origin);
        const key = ctx.request.headers["x-project-key"];
        const project = typeof key === "string" && key !== "" ? await kernel.projects.resolve(key, "ingest") : null;
        const accepted = origin !== null && (project ? originAccepted(project.allowedOrigins, origin) : await origins.anyAccepts(origin));
        if (accepted) return undefined;
        const message = project ? `Project "${project.id}" does not accept requests from this origin.` : "No project accepts requests from this origin.";
        return reject("origin_not_allowed", message, { details: { origin: ctx.origin } });
      });
    },
  };
}
