import Ajv, { type ValidateFunction } from "ajv";
import { CollectorError } from "../errors";
import { EVENT_TYPES, type EventType } from "../events";
import { pageOf } from "../ingest/to-records";
import type { PageSelector } from "./page-pattern";
import type { WidthRange } from "./viewport";
import type { SeriesMetric } from "../storage/adapter";

/**
 * Query-string parsing for the query APIs: one ajv schema per endpoint, compiled once, with type
 * coercion ("128" → 128) and defaults. Unknown parameters are ignored (cache busters are common).
 */
const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: true });

const TYPE_FILTER = { type: "string", enum: ["all", ...EVENT_TYPES] };
const TIME = { type: "string", maxLength: 40 };
const PATH = { type: "string", maxLength: 2048 };
const PATH_PATTERN = { type: "string", minLength: 1, maxLength: 1024 };
const WIDTH = { type: "integer", minimum: 0, maximum: 100_000 };
const ID = { type: "string", minLength: 1, maxLength: 128 };
const paging = (max: number, dflt: number) => ({
  limit: { type: "integer", minimum: 1, maximum: max, default: dflt },
  offset: { type: "integer", minimum: 0, maximum: 10_000_000, default: 0 },
});

function compile<T>(properties: Record<string, object>): ValidateFunction<T> {
  return ajv.compile<T>({ type: "object", properties });
}

type TypeFilter = "all" | EventType;

/** The heatmap's types: an event type, all of them, or rage clicks (derived from clicks). */
type HeatmapType = TypeFilter | "rageclick";

/** A heatmap cell's value: its samples, or the distinct sessions with a sample in it. */
export type HeatmapAggregation = "total_count" | "unique_sessions";

/**
 * The types whose distinct sessions per cell are kept. Move trails are not: a trail's points fall
 * in ~13 distinct cells, so keeping (session, cell) pairs would write ~5 rows per stored event.
 */
export const UNIQUE_SESSION_TYPES: readonly HeatmapType[] = ["click", "rageclick"];

interface RawHeatmapQuery {
  type: HeatmapType;
  path?: string;
  pathPattern?: string;
  from?: string;
  to?: string;
  resolution: number;
  viewportBucket?: string;
  viewportWidthMin?: number;
  viewportWidthMax?: number;
  coordinates: "absolute" | "relative";
  aggregation: HeatmapAggregation;
}
interface RawEventsQuery { type?: TypeFilter; path?: string; pathPattern?: string; sessionId?: string; userId?: string; from?: string; to?: string; limit: number; offset: number }
interface RawSessionsQuery { userId?: string; path?: string; pathPattern?: string; from?: string; to?: string; limit: number; offset: number }
interface RawSessionQuery { projectId?: string; type?: TypeFilter; limit: number; offset: number }

const heatmapSchema = compile<RawHeatmapQuery>({
  type: { type: "string", enum: [...TYPE_FILTER.enum, "rageclick"], default: "click" },
  path: PATH,
  pathPattern: PATH_PATTERN,
  from: TIME,
  to: TIME,
  resolution: { type: "integer", minimum: 8, maximum: 1024, default: 128 },
  viewportBucket: { type: "string", pattern: "^\\d{1,6}x\\d{1,6}$" },
  viewportWidthMin: WIDTH,
  viewportWidthMax: WIDTH,
  coordinates: { type: "string", enum: ["absolute", "relative"], default: "absolute" },
  aggregation: { type: "string", enum: ["total_count", "unique_sessions"], default: "total_count" },
});
interface RawTimeseriesQuery {
  path?: string;
  pathPattern?: string;
  from?: string;
  to?: string;
  viewportWidthMin?: number;
  viewportWidthMax?: number;
  interval: "hour" | "day";
  metric: SeriesMetric;
}
const timeseriesSchema = compile<RawTimeseriesQuery>({
  path: PATH,
  pathPattern: PATH_PATTERN,
  from: TIME,
  to: TIME,
  viewportWidthMin: WIDTH,
  viewportWidthMax: WIDTH,
  interval: { type: "string", enum: ["hour", "day"], default: "day" },
  metric: { type: "string", enum: ["events", "sessions", "clicks", "rageclicks"], default: "events" },
});
interface RawElementsQuery {
  path?: string;
  pathPattern?: string;
  from?: string;
  to?: string;
  viewportWidthMin?: number;
  viewportWidthMax?: number;
  limit: number;
}
const elementsSchema = compile<RawElementsQuery>({
  path: PATH,
  pathPattern: PATH_PATTERN,
  from: TIME,
  to: TIME,
  viewportWidthMin: WIDTH,
  viewportWidthMax: WIDTH,
  limit: { type: "integer", minimum: 1, maximum: 200, default: 20 },
});
interface RawScrollmapQuery {
  path?: string;
  pathPattern?: string;
  from?: string;
  to?: string;
  viewportWidthMin?: number;
  viewportWidthMax?: number;
  step: number;
}
const scrollmapSchema = compile<RawScrollmapQuery>({
  path: PATH,
  pathPattern: PATH_PATTERN,
  from: TIME,
  to: TIME,
  viewportWidthMin: WIDTH,
  viewportWidthMax: WIDTH,
  step: { type: "integer", minimum: 1, maximum: 50, default: 5 },
});
const eventsSchema = compile<RawEventsQuery>({ type: TYPE_FILTER, path: PATH, pathPattern: PATH_PATTERN, sessionId: ID, userId: ID, from: TIME, to: TIME, ...paging(1000, 200) });
const sessionsSchema = compile<RawSessionsQuery>({ userId: ID, path: PATH, pathPattern: PATH_PATTERN, from: TIME, to: TIME, ...paging(200, 50) });
const sessionSchema = compile<RawSessionQuery>({ projectId: ID, type: TYPE_FILTER, ...paging(1000, 500) });

function run<T>(validate: ValidateFunction<T>, query: unknown): T {
  // Express may hand us arrays or objects for repeated/bracketed keys; copy only what we validate.
  const copy = { ...(query as Record<string, unknown>) };
  if (!validate(copy)) {
    const details = (validate.errors ?? []).map((e) => ({ param: e.instancePath.slice(1) || "(query)", message: e.message ?? "invalid" }));
    throw new CollectorError("invalid_query", "Invalid query parameters.", { details });
  }
  return copy as T;
}

const MAX_TS = 8.64e15;

/** Epoch milliseconds ("1700000000000") or an ISO date ("2026-01-31T12:00:00Z"). */
export function parseTime(param: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms > MAX_TS) {
    throw new CollectorError("invalid_query", `Query param '${param}' must be epoch milliseconds or an ISO date.`, {
      details: [{ param, message: "must be epoch milliseconds or an ISO date" }],
    });
  }
  return ms;
}

function range(from: string | undefined, to: string | undefined): { fromTs?: number; toTs?: number } {
  const fromTs = parseTime("from", from);
  const toTs = parseTime("to", to);
  if (fromTs !== undefined && toTs !== undefined && fromTs > toTs) {
    throw new CollectorError("invalid_query", "Query param 'from' must not be after 'to'.", {
      details: [{ param: "from", message: "must not be after 'to'" }],
    });
  }
  return { ...(fromTs !== undefined && { fromTs }), ...(toTs !== undefined && { toTs }) };
}

function widthRange(widthMin: number | undefined, widthMax: number | undefined): WidthRange {
  if (widthMin !== undefined && widthMax !== undefined && widthMin > widthMax) {
    throw new CollectorError("invalid_query", "Query param 'viewportWidthMin' must not be above 'viewportWidthMax'.", {
      details: [{ param: "viewportWidthMin", message: "must not be above 'viewportWidthMax'" }],
    });
  }
  return { ...(widthMin !== undefined && { widthMin }), ...(widthMax !== undefined && { widthMax }) };
}

const typesOf = (t: TypeFilter | undefined): readonly EventType[] | undefined => (t === undefined || t === "all" ? undefined : [t]);
/** `path` as its page key, and `pathPattern` as given: resolved against stored pages by page-pattern.ts. */
const pageParams = (path: string | undefined, pathPattern: string | undefined): PageSelector => ({
  ...(path !== undefined && path !== "" && { page: pageOf(path) }),
  ...(pathPattern !== undefined && { pathPattern }),
});

export interface HeatmapQuery extends PageSelector, WidthRange {
  type: HeatmapType;
  /** The event types read from the rollup (rageclick: none, its runs are read instead). */
  types: readonly EventType[];
  fromTs?: number;
  toTs?: number;
  resolution: number;
  bucket?: string;
  coordinates: "absolute" | "relative";
  aggregation: HeatmapAggregation;
}
export interface EventsQuery extends PageSelector { types?: readonly EventType[]; sessionId?: string; userId?: string; fromTs?: number; toTs?: number; limit: number; offset: number }
export interface SessionsQuery extends PageSelector { userId?: string; fromTs?: number; toTs?: number; limit: number; offset: number }
export interface SessionQuery { projectId?: string; types?: readonly EventType[]; limit: number; offset: number }

export function parseHeatmapQuery(q: unknown): HeatmapQuery {
  const r = run(heatmapSchema, q);
  if (r.aggregation === "unique_sessions" && !UNIQUE_SESSION_TYPES.includes(r.type)) {
    throw new CollectorError("invalid_query", "Invalid query parameters.", {
      details: [{ param: "aggregation", message: `unique_sessions is kept for type ${UNIQUE_SESSION_TYPES.join(" and ")}, not ${r.type}` }],
    });
  }
  return {
    type: r.type,
    aggregation: r.aggregation,
    types: r.type === "rageclick" ? [] : (typesOf(r.type) ?? EVENT_TYPES),
    ...pageParams(r.path, r.pathPattern),
    ...range(r.from, r.to),
    resolution: r.resolution,
    ...(r.viewportBucket !== undefined && { bucket: r.viewportBucket }),
    ...widthRange(r.viewportWidthMin, r.viewportWidthMax),
    coordinates: r.coordinates,
  };
}

export interface TimeseriesQuery extends PageSelector, WidthRange {
  fromTs?: number;
  toTs?: number;
  interval: "hour" | "day";
  metric: SeriesMetric;
}

export function parseTimeseriesQuery(q: unknown): TimeseriesQuery {
  const r = run(timeseriesSchema, q);
  return {
    ...pageParams(r.path, r.pathPattern),
    ...range(r.from, r.to),
    ...widthRange(r.viewportWidthMin, r.viewportWidthMax),
    interval: r.interval,
    metric: r.metric,
  };
}

export interface ElementsQuery extends PageSelector, WidthRange {
  fromTs?: number;
  toTs?: number;
  limit: number;
}

export function parseElementsQuery(q: unknown): ElementsQuery {
  const r = run(elementsSchema, q);
  return { ...pageParams(r.path, r.pathPattern), ...range(r.from, r.to), ...widthRange(r.viewportWidthMin, r.viewportWidthMax), limit: r.limit };
}

export interface ScrollmapQuery extends PageSelector, WidthRange {
  fromTs?: number;
  toTs?: number;
  step: number;
}

export function parseScrollmapQuery(q: unknown): ScrollmapQuery {
  const r = run(scrollmapSchema, q);
  return { ...pageParams(r.path, r.pathPattern), ...range(r.from, r.to), ...widthRange(r.viewportWidthMin, r.viewportWidthMax), step: r.step };
}

export function parseEventsQuery(q: unknown): EventsQuery {
  const r = run(eventsSchema, q);
  const types = typesOf(r.type);
  return {
    ...(types && { types }),
    ...pageParams(r.path, r.pathPattern),
    ...(r.sessionId !== undefined && { sessionId: r.sessionId }),
    ...(r.userId !== undefined && { userId: r.userId }),
    ...range(r.from, r.to),
    limit: r.limit,
    offset: r.offset,
  };
}

export function parseSessionsQuery(q: unknown): SessionsQuery {
  const r = run(sessionsSchema, q);
  return {
    ...(r.userId !== undefined && { userId: r.userId }),
    ...pageParams(r.path, r.pathPattern),
    ...range(r.from, r.to),
    limit: r.limit,
    offset: r.offset,
  };
}

export function parseSessionQuery(q: unknown): SessionQuery {
  const r = run(sessionSchema, q);
  const types = typesOf(r.type);
  return { ...(r.projectId !== undefined && { projectId: r.projectId }), ...(types && { types }), limit: r.limit, offset: r.offset };
}
