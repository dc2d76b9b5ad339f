import type { NextFunction, Request, Response, Router } from "express";
import { reject } from "@m-software-engineering/heat-collector-kernel";
import type { ProjectOrigins } from "./allowlist";
import { normalizeOrigin } from "./origins";

/** What a dashboard sends to the query APIs: a read token as a bearer (no cookies, no credentials mode). */
export const READ_ALLOWED_HEADERS = ["Authorization"] as const;
export const READ_METHODS = "GET, DELETE, OPTIONS";
const API_PREFIX = "/api";
const PROJECT_IN_PATH = /^\/api\/projects\/([^/]+)\//;

/**
 * CORS for the query APIs (/api/...), for dashboards on another origin. The origin must be listed in
 * the `allowedOrigins` of the project the path names (any project's list for /api/sessions/:id and
 * /api/metrics); an empty list allows no browser reads. The allowed origin is echoed, never `*`, and
 * Access-Control-Allow-Credentials is never sent: reads carry a bearer token, not cookies.
 * The read token still decides what may be read; this only lets a listed page see the answer.
 */
export function mountReadCors(router: Router, origins: ProjectOrigins, maxAge: string): void {
  /** `path` is the request path relative to the collector's router (mounts stripped). */
  const allowedOrigin = async (req: Request, path: string): Promise<string | null> => {
    const raw = req.headers.origin;
    const origin = raw === undefined ? null : normalizeOrigin(raw);
    if (origin === null) return null;
    const named = PROJECT_IN_PATH.exec(path)?.[1];
    return (await origins.listsForReads(origin, named === undefined ? undefined : decodeURIComponent(named))) ? origin : null;
  };

  router.options(`${API_PREFIX}/*`, (req: Request, res: Response, next: NextFunction) => {
    res.setHeader("Allow", READ_METHODS);
    res.setHeader("Vary", "Origin, Access-Control-Request-Headers");
    if (req.headers.origin === undefined || req.headers["access-control-request-method"] === undefined) {
      res.status(204).end();
      return;
    }
    allowedOrigin(req, req.path)
      .then((origin) => {
        if (origin === null) throw reject("origin_not_allowed", "This origin is not listed in the project's allowedOrigins for reads.");
        res.setHeader("Access-Control-Allow-Origin", origin);
        res.setHeader("Access-Control-Allow-Methods", READ_METHODS);
        res.setHeader("Access-Control-Allow-Headers", READ_ALLOWED_HEADERS.join(", "));
        res.setHeader("Access-Control-Max-Age", maxAge);
        res.status(204).end();
      })
      .catch(next);
  });

  router.use(API_PREFIX, (req: Request, res: Response, next: NextFunction) => {
    res.setHeader("Vary", "Origin");
    if (req.headers.origin === undefined) return next();
    allowedOrigin(req, API_PREFIX + req.path)
      .then((origin) => {
        if (origin !== null) {
          res.setHeader("Access-Control-Allow-Origin", origin);
          res.setHeader("Access-Control-Expose-Headers", "X-Request-Id");
        }
        next();
      })
      .catch(next);
  });
}
