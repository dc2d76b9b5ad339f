import type { NextFunction, Request, Response, Router } from "express";
import { reject } from "@m-software-engineering/heat-collector-kernel";
import { normalizeOrigin } from "./origins";

export interface CorsRoutes {
  /** Mount point of the answers (`/ingest`, `/api`); preflights are answered on it and below it. */
  prefix: string;
  methods: string;
  allowedHeaders: readonly string[];
  exposedHeaders: readonly string[];
  maxAge: string;
  /** Whether `origin` (normalized) may see answers on `path` (relative to the collector's router). */
  allows(origin: string, path: string): Promise<boolean>;
  /** The message of the 403 a refused preflight gets. */
  refusal: string;
}

/**
 * The two CORS routes every answer needs: the preflight (OPTIONS), refused with 403
 * origin_not_allowed and no CORS headers when the origin may not send, and the headers of every
 * real reply, errors included, so an allowed page can read them. Requests without Origin are not
 * from browsers: nothing is checked or added.
 */
export function mountCorsRoutes(router: Router, spec: CorsRoutes): void {
  const allowedOrigin = async (req: Request, path: string): Promise<string | null> => {
    const raw = req.headers.origin;
    const origin = raw === undefined ? null : normalizeOrigin(raw);
    return origin !== null && (await spec.allows(origin, path)) ? origin : null;
  };

  router.options([spec.prefix, `${spec.prefix}/*`], (req: Request, res: Response, next: NextFunction) => {
    res.setHeader("Allow", spec.methods);
    res.setHeader("Vary", "Origin, Access-Control-Request-Headers");
    if (req.headers.origin === undefined || req.headers["access-control-request-method"] === undefined) {
      res.status(204).end();
      return;
    }
    allowedOrigin(req, req.path)
      .then((origin) => {
        if (origin === null) throw reject("origin_not_allowed", spec.refusal);
        res.setHeader("Access-Control-Allow-Origin", origin);
        res.setHeader("Access-Control-Allow-Methods", spec.methods);
        res.setHeader("Access-Control-Allow-Headers", spec.allowedHeaders.join(", "));
        res.setHeader("Access-Control-Max-Age", spec.maxAge);
        res.status(204).end();
      })
      .catch(next);
  });

  router.use(spec.prefix, (req: Request, res: Response, next: NextFunction) => {
    res.setHeader("Vary", "Origin");
    if (req.headers.origin === undefined) return next();
    allowedOrigin(req, spec.prefix + req.path)
      .then((origin) => {
        if (origin !== null) {
          res.setHeader("Access-Control-Allow-Origin", origin);
          res.setHeader("Access-Control-Expose-Headers", spec.exposedHeaders.join(", "));
        }
        next();
      })
      .catch(next);
  });
}
