import { randomUUID } from "node:crypto";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { CollectorError } from "../errors";
import type { IngestReply, QueryContext, QueryEndpoint, QueryResult, RequestContext } from "../context";
import type { KernelHooks } from "../hooks";
import type { Logger } from "../logger";
import type { Queries } from "../query/queries";
import type { StorageAdapter } from "../storage/adapter";

const INBOUND_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module "express-serve-static-core" {
  interface Locals {
    requestId?: string;
    /** The code of the error this response carries, for observers of finished responses (metrics). */
    errorCode?: CollectorError["code"];
  }
}

export function requestIdOf(res: Response): string {
  return res.locals.requestId ?? "unknown";
}

export function requestContext(req: Request, res: Response): RequestContext {
  return { requestId: requestIdOf(res), ip: req.ip ?? req.socket.remoteAddress ?? "", origin: req.headers.origin, request: req, response: res };
}

/**
 * Sends `body` as JSON. Not res.json: Express copies the text into a Buffer to hash an ETag that
 * these responses never use (queries are no-store, ingest is a POST); for a 550 KB heatmap that
 * copy cost ~1 ms and as much garbage per request.
 */
export function sendJson(res: Response, status: number, body: object): void {
  // One copy into bytes, which both sets Content-Length and is written as is.
  const bytes = Buffer.from(JSON.stringify(body), "utf8");
  res.status(status);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", bytes.length);
  res.end(bytes);
}

export function sendError(res: Response, err: CollectorError): void {
  if (res.headersSent) return;
  res.locals.errorCode = err.code;
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  sendJson(res, err.status, err.toBody(requestIdOf(res)));
}

/** Turns anything thrown into the one error shape; non-CollectorErrors are bugs, logged in full. */
export function errorResponder(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = err instanceof CollectorError ? err : null;
    const sent = known ?? new CollectorError("internal_error", "Unexpected error.");
    const meta = { requestId: requestIdOf(res), method: req.method, path: req.path, status: sent.status, code: sent.code };
    // A known 5xx (storage down, shutting down) was logged with its cause where it arose; only bugs need a stack.
    if (known) logger.log(known.status < 500 ? "info" : "warn", known.message, meta);
    else logger.error("unhandled error", { ...meta, error: err instanceof Error ? err.stack : String(err) });
    sendError(res, sent);
  };
}

/** What the router drives: the pipelines, the readiness check, the queries and the `routes` hook. Kernel implements it. */
export interface RoutedKernel {
  readonly hooks: Pick<KernelHooks, "routes">;
  readonly logger: Logger;
  readonly storage: Pick<StorageAdapter, "name">;
  readonly queries: Queries;
  ready(): Promise<void>;
  ingest(ctx: RequestContext): Promise<IngestReply>;
  query(ctx: QueryContext, run: (ctx: QueryContext) => Promise<QueryResult>): Promise<QueryResult>;
}

type AsyncHandler = (req: Request, res: Response) => Promise<void>;
const handle = (fn: AsyncHandler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/**
 * Renders the kernel as an Express router: request ids, plugin routes (hooks.routes), POST /ingest
 * and the query APIs, and the error responder. Paths are absolute so the router can be mounted
 * with `app.use(router)` anywhere in an app, and under a wildcard mount (see routeWholePath).
 */
export function renderRouter(kernel: RoutedKernel): Router {
  const outer = express.Router();
  const router = express.Router();
  outer.use(routeWholePath(router));

  router.use((req, res, next) => {
    const inbound = req.headers["x-request-id"];
    const id = typeof inbound === "string" && INBOUND_ID.test(inbound) ? inbound : randomUUID();
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  });

  // Probes for load balancers and orchestrators: unauthenticated, no body read, before any plugin route
  // (a rate limit or CORS check must never fail a health check).
  router.get("/healthz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    sendJson(res, 200, { status: "ok" });
  });
  router.get("/readyz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    // Not through the error responder: in an outage the guard logs each failed storage probe once; the
    // responder would log every probe again at error.
    kernel.ready().then(
      () => sendJson(res, 200, { status: "ready", storage: kernel.storage.name }),
      (err: unknown) => sendError(res, err instanceof CollectorError ? err : new CollectorError("internal_error", "Readiness check failed.")),
    );
  });

  kernel.hooks.routes.call(router);

  router.post(
    "/ingest",
    handle(async (req, res) => {
      const reply = await kernel.ingest(requestContext(req, res));
      sendJson(res, 200, reply);
    }),
  );

  const query = (endpoint: QueryEndpoint, run: (ctx: QueryContext) => Promise<QueryResult>) =>
    handle(async (req, res) => {
      const projectId = typeof req.params.projectId === "string" ? req.params.projectId : undefined;
      const ctx: QueryContext = { ...requestContext(req, res), endpoint, projectId };
      const result = await kernel.query(ctx, run);
      res.setHeader("Cache-Control", "no-store");
      sendJson(res, 200, result.body);
    });

  router.get("/api/projects/:projectId/heatmap", query("heatmap", (ctx) => kernel.queries.heatmap(ctx)));
  router.get("/api/projects/:projectId/timeseries", query("timeseries", (ctx) => kernel.queries.timeseries(ctx)));
  router.get("/api/projects/:projectId/elements", query("elements", (ctx) => kernel.queries.elements(ctx)));
  router.get("/api/projects/:projectId/scrollmap", query("scrollmap", (ctx) => kernel.queries.scrollmap(ctx)));
  router.get("/api/projects/:projectId/sessions", query("sessions", (ctx) => kernel.queries.sessions(ctx)));
  router.get("/api/projects/:projectId/events", query("events", (ctx) => kernel.queries.events(ctx)));
  router.get("/api/sessions/:sessionId", query("session", (ctx) => kernel.queries.session(ctx)));
  router.get("/api/metrics", query("metrics", (ctx) => kernel.queries.metrics(ctx)));
  router.delete("/api/projects/:projectId/users/:userId", query("eraseUser", (ctx) => kernel.queries.eraseUser(ctx)));

  router.use(errorResponder(kernel.logger));
  return outer;
}

/**
 * A wildcard mount (NestJS's `consumer.apply(mw).forRoutes("*")` becomes `app.use("/*", mw)` on
 * NestJS 10, `app.use("/{*path}", mw)` on 11) consumes the whole path: the router then sees
 * req.url "/" and the path in req.baseUrl, and no absolute route matches. When a mount left
 * nothing but "/", route on the original URL instead, and put the mount's view back on the way out.
 */
function routeWholePath(router: Router) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const queryAt = req.url.indexOf("?");
    const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
    if (req.baseUrl === "" || path !== "/") return router(req, res, next);
    const { url, baseUrl } = req;
    req.url = req.originalUrl;
    req.baseUrl = "";
    router(req, res, (err?: unknown) => {
      req.url = url;
      req.baseUrl = baseUrl;
      next(err);
    });
  };
}
