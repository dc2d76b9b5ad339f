import type { EventRejection } from "./ingest/check-batch";
import type { PayloadIssue } from "./ingest/schema";
import type { Request, Response } from "express";
import type { IngestPayload, JsonObject } from "./events";
import type { SessionRecord, StoredEvent, WriteResult } from "./storage/records";

/** What every hook learns about the HTTP request it runs for. */
export interface RequestContext {
  readonly requestId: string;
  /** Client IP as Express resolves it (honours the app's `trust proxy` setting). */
  readonly ip: string;
  readonly origin: string | undefined;
  readonly request: Request;
  readonly response: Response;
}

/** Who sent an ingest batch, as decided by the `authenticate` hook. */
export interface Identity {
  projectId: string;
  /** A user id vouched for by the credential (a JWT `sub`); wins over the SDK's `user.id`. */
  userId: string | null;
  /** Which strategy answered, e.g. "project-key", "jwt". */
  via: string;
  claims?: JsonObject;
}

export interface IngestContext extends RequestContext {
  identity?: Identity;
}

export interface IngestOutcome {
  projectId: string;
  payload: IngestPayload;
  result: WriteResult;
  /** Input events refused because their `masked` value was not all `*`. */
  dropped: number;
  /** Events refused one by one (schema, or a broken onBeforeInsert result); the rest were stored. */
  rejections: readonly EventRejection[];
}

/** The reply to an accepted POST /ingest. */
export interface IngestReply {
  ok: true;
  requestId: string;
  projectId: string;
  /** Events in the batch after validation, privacy filtering and onBeforeInsert. */
  accepted: number;
  /** Events stored by this request. */
  stored: number;
  /** Events recognised as already stored (a retry), not stored again. */
  duplicates: number;
  /** Input events refused because `masked` held something other than `*`. */
  dropped: number;
  /** Events refused one by one; the rest of the batch was stored. A retry would be refused the same way. */
  rejected: number;
  /** The first REPLY_REJECTIONS of them: index, event id, code and reason. Present when `rejected > 0`. */
  rejections?: EventRejection[];
  /** Stored events with a field cut or invalid text replaced; each records what in its `meta.normalized`. */
  normalized: number;
  /** Envelope fields cut or dropped (e.g. a `user` that breaks the schema). Present when there are any. */
  warnings?: PayloadIssue[];
  /** Events durably queued by a buffer plugin (bufferBatch), to be stored later; `stored` and `duplicates` are then 0. */
  buffered?: number;
}

/** Who may read, as decided by the `authorizeQuery` hook. `projects: "*"` means every project. */
export interface QueryPrincipal {
  projects: readonly string[] | "*";
  via: string;
}

export type QueryEndpoint = "heatmap" | "timeseries" | "elements" | "scrollmap" | "sessions" | "events" | "session" | "metrics" | "eraseUser";

export interface QueryContext extends RequestContext {
  endpoint: QueryEndpoint;
  /** The project the request names (path parameter), when it names one. */
  projectId: string | undefined;
  principal?: QueryPrincipal;
}

export type { TimeseriesBody } from "./query/timeseries";
import type { TimeseriesBody } from "./query/timeseries";
import type { ElementsBody } from "./query/elements";
export type { ElementsBody } from "./query/elements";
import type { ScrollmapBody } from "./query/scrollmap";
export type { ScrollmapBody } from "./query/scrollmap";

export interface HeatmapPoint {
  x: number;
  y: number;
  value: number;
}

export interface HeatmapBody {
  points: HeatmapPoint[];
  meta: {
    type: string;
    /** "total_count": a cell's value is its samples; "unique_sessions": the distinct sessions with a sample in it. */
    aggregation: "total_count" | "unique_sessions";
    /** "absolute": x in document pixels; "relative": x as a share (0..1) of each sample's viewport width. */
    coordinates: "absolute" | "relative";
    resolution: number;
    cellSize: number;
    columns: number;
    rows: number;
    viewport: { w: number; h: number };
    renderHeight: number;
    total: number;
    plotted: number;
    /** The bucket whose viewport frames the grid. */
    bucket: string | null;
    /** The buckets whose samples are drawn. */
    drawnBuckets: string[];
    buckets: Record<string, number>;
    /** Plottable samples per viewport width band ("<768", "768-1279", ">=1280"). */
    widthBands: Record<string, number>;
    typeBreakdown: Record<string, number>;
  };
}

export interface PageInfo {
  limit: number;
  offset: number;
  nextOffset: number | null;
}

/** An event as the query APIs return it: the SDK's fields plus the resolved user id. */
export type EventView = JsonObject & { eventId: string; sessionId: string; userId: string | null; type: string; ts: number; path: string };

export type SessionView = Omit<SessionRecord, "projectId"> & { projectId: string };

export type QueryResult =
  | { endpoint: "heatmap"; body: HeatmapBody }
  | { endpoint: "timeseries"; body: TimeseriesBody }
  | { endpoint: "elements"; body: ElementsBody }
  | { endpoint: "scrollmap"; body: ScrollmapBody }
  | { endpoint: "sessions"; body: { sessions: SessionView[]; page: PageInfo } }
  | { endpoint: "events"; body: { events: EventView[]; page: PageInfo } }
  | { endpoint: "session"; body: { session: SessionView; events: EventView[]; page: PageInfo } }
  | { endpoint: "metrics"; body: JsonObject }
  | { endpoint: "eraseUser"; body: { projectId: string; userId: string; erased: { events: number; sessions: number } } };

export function eventView(e: StoredEvent): EventView {
  return { ...e.data, eventId: e.eventId, sessionId: e.sessionId, userId: e.userId, type: e.type, ts: e.ts, path: e.path };
}
