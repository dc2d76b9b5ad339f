import type { EventType } from "../events";
import type {
  ProjectRecord,
  RollupSpan,
  SecretKind,
  SecretRecord,
  SessionRecord,
  StoredEvent,
  WriteBatch,
  WriteResult,
} from "./records";

/** Inclusive range of rollup periods of one span (epoch hours or epoch days). */
export interface RollupRange {
  span: RollupSpan;
  from: number;
  to: number;
}

/** Rollup rows to aggregate: those of any of `ranges` (never overlapping). */
export interface RollupFilter {
  projectId: string;
  /** Only these pages (page keys as stored); absent: every page; empty: none. */
  pages?: readonly string[];
  types: readonly EventType[];
  ranges: readonly RollupRange[];
}

export interface RollupCellFilter extends RollupFilter {
  /** Viewport buckets to read ("1300x700"); empty: none. */
  buckets: readonly string[];
  /** Query cells are `cellFactor` × 8 px (scroll samples are never grouped). */
  cellFactor: number;
}

export interface RollupSummaryRow {
  bucket: string;
  type: EventType;
  n: number;
  /** Largest gy seen (grid rows for click/move; percent for scroll). */
  maxGy: number;
}

/**
 * The cells of one (bucket, type), packed: `cells` holds [cx, cy, n] triples, cx/cy being the cell's
 * column/row after grouping 8 px cells by `cellFactor` (scroll: cx = 0, cy = percent). Packed rather
 * than one object per cell: a heatmap at 1M events sums ~20k cells, and the objects were a third of
 * what a request allocated.
 */
export interface RollupCellGroup {
  bucket: string;
  type: EventType;
  cells: Float64Array;
}

/** Derived rows read by exact time (rage clicks): a project, its pages, an inclusive epoch-ms range. */
export interface DerivedFilter {
  projectId: string;
  /** Only these pages; absent: every page; empty: none. */
  pages?: readonly string[];
  fromTs?: number;
  toTs?: number;
}

/** Rage clicks per viewport bucket: runs, and the deepest 8 px row of their first clicks. */
export interface RageClickSummaryRow {
  bucket: string;
  n: number;
  maxGy: number;
}

/** Rage clicks per bucket and cell (8 px cells grouped by `cellFactor`). */
export interface RageClickCellRow {
  bucket: string;
  cx: number;
  cy: number;
  n: number;
}

/** What a trend line counts per UTC hour or day. */
export type SeriesMetric = "events" | "sessions" | "clicks" | "rageclicks";

/** What the queries kept per whole UTC hour filter on (trend lines, elements, scroll map). */
export interface HourRangeFilter {
  projectId: string;
  /** Only these pages; absent: every page; empty: none. */
  pages?: readonly string[];
  /** Inclusive bounds on the viewport bucket's width. */
  widthMin?: number;
  widthMax?: number;
  /** Inclusive range of epoch hours. */
  fromHour?: number;
  toHour?: number;
}

/** A unique_sessions heatmap's read: the sessions of clicks or of rage-click runs, by whole UTC hours. */
export interface SessionCellFilter extends HourRangeFilter {
  source: "click" | "rageclick";
}

/** Distinct sessions per viewport bucket. */
export interface SessionSummaryRow {
  bucket: string;
  sessions: number;
}

/**
 * The grid a unique_sessions heatmap is counted on, so that the database counts each session once
 * per drawn cell (counts of smaller cells or of several buckets could not be added up).
 */
export interface SessionGridFilter extends SessionCellFilter {
  /** Viewport buckets drawn, each with the width its samples' columns are shares of; empty: none. */
  drawn: ReadonlyArray<{ bucket: string; width: number }>;
  /** Rows (and, in absolute coordinates, columns) are `cellFactor` × 8 px. */
  cellFactor: number;
  /** Columns of the grid: a sample beyond the last counts in the last. */
  columns: number;
  /** Columns are shares of the sample's bucket width: column = floor((8 gx + 4) × columns / width). */
  relative: boolean;
}

/** A drawn cell of a unique_sessions heatmap: its column and row, and the distinct sessions in it. */
export interface SessionCellRow {
  cx: number;
  cy: number;
  sessions: number;
}

/** A trend line's rows: by whole UTC hours (events, sessions and clicks are kept per hour). */
export interface SeriesFilter extends HourRangeFilter {
  interval: "hour" | "day";
  metric: SeriesMetric;
}

export interface SeriesRow {
  /** Epoch hour or epoch day (periodIndex "h" / "d"). */
  period: number;
  value: number;
}

/** The element ranking's filter: as a trend line's, by whole UTC hours. */
export interface ElementFilter extends HourRangeFilter {
  /** Most selectors answered. */
  limit: number;
}

export interface ElementRow {
  selector: string;
  clicks: number;
  /** Distinct sessions that clicked it. */
  sessions: number;
  /** Rage-click runs whose first click hit it. */
  rageClicks: number;
}

/** The scroll map's filter: as a trend line's, by whole UTC hours. */
export type ScrollFilter = HourRangeFilter;

/** Sessions grouped by their deepest scroll (whole percent), tallest viewport (px) and whether they scrolled at all. */
export interface ScrollDepthRow {
  depth: number;
  viewportH: number;
  scrolled: boolean;
  sessions: number;
}

export interface EventFilter {
  projectId: string;
  sessionId?: string;
  userId?: string;
  /** Only these pages (page keys as stored); absent: every page; empty: none. */
  pages?: readonly string[];
  types?: readonly EventType[];
  /** Inclusive epoch-ms bounds. */
  fromTs?: number;
  toTs?: number;
}

export interface SessionFilter {
  projectId: string;
  userId?: string;
  /** Sessions that visited any of these pages; absent: any session; empty: none. */
  pages?: readonly string[];
  /** Sessions active in [fromTs, toTs]. */
  fromTs?: number;
  toTs?: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/**
 * A storage adapter: exactly one per kernel. Every adapter must pass test/src/conformance, which
 * compares API responses across adapters byte for byte.
 */
export interface StorageAdapter {
  readonly name: string;
  /** Create or upgrade the schema. Idempotent; safe when two processes run it at once. */
  migrate(): Promise<void>;
  /**
   * Store a batch in one transaction: events keyed by (projectId, sessionId, eventId) are inserted once and
   * sessions upserted (eventCount grows by the events new to it). All or nothing. The heat rollup
   * must grow by exactly `rollupFor(newEvents)`, in the same transaction or later, as long as
   * rollupSummary/rollupCells see every committed event.
   */
  writeBatch(batch: WriteBatch): Promise<WriteResult>;

  /**
   * Every distinct page key of the project's stored events, unordered. Every stored event has at
   * least one heat sample, so the heat dimensions (plus, where kept, samples not yet folded) list
   * them all without reading events. `pathPattern` queries match patterns against this list.
   */
  listPages(projectId: string): Promise<string[]>;

  /**
   * Rage clicks (heat/rage-clicks.ts), which the adapter derives when new clicks are stored, with
   * its `rageClicks` rule: after every write that stored clicks of a session, its stored rage
   * clicks equal `rageClickStarts` over all its stored clicks, whatever order the batches came in.
   * Aggregated in the database; the cost follows rage clicks, never events.
   */
  rageClickSummary(filter: DerivedFilter): Promise<RageClickSummaryRow[]>;
  rageClickCells(filter: DerivedFilter & { buckets: readonly string[]; cellFactor: number }): Promise<RageClickCellRow[]>;

  /**
   * aggregation=unique_sessions: distinct sessions per viewport bucket (clicks: from the session
   * hours with clicks; rage clicks: from their runs), and per drawn cell of the grid (clicks: from
   * each session's clicked 8 px cells, kept per UTC hour under `sessionKey` as clicks are stored,
   * so a retried click adds nothing), counted by the database. Both select the whole hours
   * `fromHour` / `toHour` name; the cells' cost follows (session, cell, hour) triples.
   */
  sessionSummary(filter: SessionCellFilter): Promise<SessionSummaryRow[]>;
  sessionCells(filter: SessionGridFilter): Promise<SessionCellRow[]>;

  /**
   * A trend line, aggregated in the database from counts kept per (project, UTC hour, page,
   * bucket, session) as events are stored (events and clicks summed, sessions counted distinct per
   * period), or from the rage clicks by their hour: periods with nothing are left out.
   */
  timeseries(filter: SeriesFilter): Promise<SeriesRow[]>;

  /**
   * The CSS selectors clicked most (clicks descending, then selector), from counts kept per
   * (project, UTC hour, page, bucket, selector, session) as clicks are stored; `totalClicks` counts
   * every click of the filter, with a selector or not (from the session hours).
   */
  topElements(filter: ElementFilter): Promise<{ rows: ElementRow[]; totalClicks: number }>;

  /**
   * The sessions of the filter (any event), each once, grouped by its deepest scroll, tallest
   * viewport and whether it scrolled (kept per session hour with the trend-line counts).
   */
  scrollDepths(filter: ScrollFilter): Promise<ScrollDepthRow[]>;

  rollupSummary(filter: RollupFilter): Promise<RollupSummaryRow[]>;
  /** Cells of the given viewport buckets, one group per bucket and type, 8 px cells grouped by `cellFactor`. */
  rollupCells(filter: RollupCellFilter): Promise<RollupCellGroup[]>;
  /**
   * Every raw event of the filter, each once, in an order of the adapter's choosing; used for the
   * partial hours at the edges of a heatmap range, which only sums them.
   */
  scanEvents(filter: EventFilter): AsyncIterable<StoredEvent>;

  listEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]>;
  listSessions(filter: SessionFilter, page: PageRequest): Promise<SessionRecord[]>;
  /** Sessions with this id in any project (ids are only unique within a project). */
  findSessions(sessionId: string, projectId?: string): Promise<SessionRecord[]>;

  upsertProject(project: ProjectRecord): Promise<void>;
  getProject(id: string): Promise<ProjectRecord | null>;
  listProjects(): Promise<ProjectRecord[]>;
  /** Idempotent on `hash`. */
  addSecret(secret: SecretRecord): Promise<void>;
  findSecret(hash: string, kind: SecretKind): Promise<SecretRecord | null>;
  listSecrets(projectId: string): Promise<SecretRecord[]>;
  revokeSecret(hash: string, revokedAt: number): Promise<boolean>;

  /** Deletes one user's events and sessions in a project (right to erasure). Rollup counts are
   * anonymous aggregates and stay. */
  eraseUser(projectId: string, userId: string): Promise<{ events: number; sessions: number }>;
  /** Retention: deletes events older than `beforeTs`, sessions last seen before it, and rollup
   * periods that ended before it. */
  purgeBefore(beforeTs: number): Promise<{ events: number; sessions: number }>;

  close(): Promise<void>;
}
