import { CollectorError } from "../errors";
import { eventView, type QueryContext, type QueryResult, type PageInfo, type SessionView } from "../context";
import type { Metrics } from "../metrics";
import type { ProjectRegistry } from "../projects";
import type { StorageAdapter } from "../storage/adapter";
import type { SessionRecord } from "../storage/records";
import { buildHeatmap } from "./heatmap";
import { resolvePages } from "./page-pattern";
import { buildTimeseries } from "./timeseries";
import { buildElements } from "./elements";
import { buildScrollmap } from "./scrollmap";
import { parseScrollmapQuery, parseElementsQuery, parseEventsQuery, parseHeatmapQuery, parseTimeseriesQuery, parseSessionQuery, parseSessionsQuery } from "./params";

function pageInfo(limit: number, offset: number, fetched: number): PageInfo {
  return { limit, offset, nextOffset: fetched > limit ? offset + limit : null };
}

const sessionView = (s: SessionRecord): SessionView => ({ ...s });

function allowed(ctx: QueryContext, projectId: string): boolean {
  const projects = ctx.principal?.projects ?? "*";
  return projects === "*" || projects.includes(projectId);
}

/** The query APIs over a storage adapter. Pages are fetched with limit + 1 to know if more exist. */
export class Queries {
  constructor(
    private readonly storage: () => StorageAdapter,
    private readonly counters: Metrics,
    private readonly registry: ProjectRegistry,
  ) {}

  /** 404 for projects that do not exist or that the principal may not read (no existence leak). */
  private async project(ctx: QueryContext): Promise<string> {
    const id = ctx.projectId;
    if (id === undefined || !allowed(ctx, id) || !(await this.registry.get(id))) {
      throw new CollectorError("not_found", "No such project.");
    }
    return id;
  }

  async heatmap(ctx: QueryContext): Promise<QueryResult> {
    const q = parseHeatmapQuery(ctx.request.query);
    const projectId = await this.project(ctx);
    const pages = await resolvePages(this.storage(), projectId, q);
    return { endpoint: "heatmap", body: await buildHeatmap(this.storage(), projectId, q, pages) };
  }

  async timeseries(ctx: QueryContext): Promise<QueryResult> {
    const q = parseTimeseriesQuery(ctx.request.query);
    const projectId = await this.project(ctx);
    const pages = await resolvePages(this.storage(), projectId, q);
    return { endpoint: "timeseries", body: await buildTimeseries(this.storage(), projectId, q, pages) };
  }

  async elements(ctx: QueryContext): Promise<QueryResult> {
    const q = parseElementsQuery(ctx.request.query);
    const projectId = await this.project(ctx);
    const pages = await resolvePages(this.storage(), projectId, q);
    return { endpoint: "elements", body: await buildElements(this.storage(), projectId, q, pages) };
  }

  async scrollmap(ctx: QueryContext): Promise<QueryResult> {
    const q = parseScrollmapQuery(ctx.request.query);
    const projectId = await this.project(ctx);
    const pages = await resolvePages(this.storage(), projectId, q);
    return { endpoint: "scrollmap", body: await buildScrollmap(this.storage(), projectId, q, pages) };
  }

  async sessions(ctx: QueryContext): Promise<QueryResult> {
    const { limit, offset, page, pathPattern, ...filter } = parseSessionsQuery(ctx.request.query);
    const projectId = await this.project(ctx);
    const pages = await resolvePages(this.storage(), projectId, { page, pathPattern });
    const rows = await this.storage().listSessions({ projectId, ...filter, ...(pages && { pages }) }, { limit: limit + 1, offset });
    return { endpoint: "sessions", body: { sessions: rows.slice(0, limit).map(sessionView), page: pageInfo(limit, offset, rows.length) } };
  }

  async events(ctx: QueryContext): Promise<QueryResult> {
    const { limit, offset, page, pathPattern, ...filter } = parseEventsQuery(ctx.request.query);
    const projectId = await this.project(ctx);
    const pages = await resolvePages(this.storage(), projectId, { page, pathPattern });
    const rows = await this.storage().listEvents({ projectId, ...filter, ...(pages && { pages }) }, { limit: limit + 1, offset });
    return { endpoint: "events", body: { events: rows.slice(0, limit).map(eventView), page: pageInfo(limit, offset, rows.length) } };
  }

  async session(ctx: QueryContext): Promise<QueryResult> {
    const { projectId, types, limit, offset } = parseSessionQuery(ctx.request.query);
    const sessionId = String(ctx.request.params.sessionId);
    const found = (await this.storage().findSessions(sessionId, projectId)).filter((s) => allowed(ctx, s.projectId));
    if (found.length === 0) throw new CollectorError("not_found", "No such session.");
    if (found.length > 1) {
      throw new CollectorError("invalid_query", "This session id exists in several projects: pass projectId.", {
        details: [{ param: "projectId", message: "required to tell sessions apart" }],
      });
    }
    const session = found[0]!;
    const rows = await this.storage().listEvents(
      { projectId: session.projectId, sessionId, ...(types && { types }) },
      { limit: limit + 1, offset },
    );
    return {
      endpoint: "session",
      body: { session: sessionView(session), events: rows.slice(0, limit).map(eventView), page: pageInfo(limit, offset, rows.length) },
    };
  }

  /** Right to erasure: deletes one user's events and sessions in a project. Admin principals only. */
  async eraseUser(ctx: QueryContext): Promise<QueryResult> {
    if ((ctx.principal?.projects ?? "*") !== "*") throw new CollectorError("forbidden", "Erasing a user needs an admin token.");
    const projectId = await this.project(ctx);
    const userId = String(ctx.request.params.userId);
    const erased = await this.storage().eraseUser(projectId, userId);
    return { endpoint: "eraseUser", body: { projectId, userId, erased } };
  }

  async metrics(ctx: QueryContext): Promise<QueryResult> {
    if ((ctx.principal?.projects ?? "*") !== "*") throw new CollectorError("forbidden", "Metrics need an all-projects principal.");
    return { endpoint: "metrics", body: this.counters.snapshot(this.storage().name) };
  }
}
