import type { Router } from "express";
import type { ProjectOrigins } from "./allowlist";
import { mountCorsRoutes } from "./cors-routes";

/** What a dashboard sends to the query APIs: a read token as a bearer (no cookies, no credentials mode). */
export const READ_ALLOWED_HEADERS = ["Authorization"] as const;
export const READ_METHODS = "GET, DELETE, OPTIONS";
const PROJECT_IN_PATH = /^\/api\/projects\/([^/]+)\//;

/**
 * CORS for the query APIs (/api/...), for dashboards on another origin. The origin must be listed in
 * the `allowedOrigins` of the project the path names (any project's list for /api/sessions/:id and
 * /api/metrics); an empty list allows no browser reads. The allowed origin is echoed, never `*`, and
 * Access-Control-Allow-Credentials is never sent: reads carry a bearer token, not cookies.
 * The read token still decides what may be read; this only lets a listed page see the answer.
 */
export function mountReadCors(router: Router, origins: ProjectOrigins, maxAge: string): void {
  mountCorsRoutes(router, {
    prefix: "/api",
    methods: READ_METHODS,
    allowedHeaders: READ_ALLOWED_HEADERS,
    exposedHeaders: ["X-Request-Id"],
    maxAge,
    allows: (origin, path) => {
      const named = PROJECT_IN_PATH.exec(path)?.[1];
      return origins.listsForReads(origin, named === undefined ? undefined : decodeURIComponent(named));
    },
    refusal: "This origin is not listed in the project's allowedOrigins for reads.",
  });
}
