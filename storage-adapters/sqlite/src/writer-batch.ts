import type { EventType, SessionUpsert, StoredEvent, WriteBatch } from "@m-software-engineering/heat-collector-kernel";
// The grid module alone, not the kernel's index: the writer thread loads this file too.
import { forEachSample } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
import { json } from "./rows";
// The scroll module alone, not the kernel's index (see heat-tiles.ts).
import { scrollOf } from "@m-software-engineering/heat-collector-kernel/dist/heat/scroll";

/** An `events` row in insert order: project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data (JSON). */
export type EventRow = [string, string, string, string | null, EventType, number, string, string, string, string];
/** A `sessions` upsert in insert order; event_count (index 7) is filled in by the writer with the events it stored. */
export type SessionRow = [string, string, string | null, string | null, number, number, string, number, string | null, string | null];

/**
 * A WriteBatch as it crosses to the writer thread: flat rows of primitives, with `data` already
 * JSON and each event's heat samples already extracted. Cloning strings and one typed array costs
 * a fraction of cloning nested objects, and the serialising and sample walk run on the HTTP
 * thread, which has CPU to spare, instead of the writer thread, which is the bottleneck.
 */
export interface WriterBatch {
  events: EventRow[];
  sessions: SessionRow[];
  /** (gx, gy) pairs of every event's samples, in event order (see forEachSample). */
  samples: Int32Array;
  /** Event i's samples are pairs sampleEnd[i - 1] (or 0) up to sampleEnd[i], exclusive. */
  sampleEnd: Int32Array;
  /** Event i's CSS selector when it is a click with one, else null (read here, not parsed again on the writer). */
  selectors: Array<string | null>;
  /** Per event: viewport height, scroll depth (whole percent) and scrollY (px), rounded; 0 where absent (scrollOf). */
  views: Int32Array;
  /** Per event: a click's document x and y as stored (finite numbers; -0 as 0), else NaN: the fields rage clicks need. */
  clickXY: Float64Array;
}



export const EVENT_ROW = { projectId: 0, eventId: 1, sessionId: 2, type: 4, ts: 5, page: 7, bucket: 8 } as const;
export const SESSION_ROW = { sessionId: 1, eventCount: 7 } as const;

/** Appends one event's samples as (gx, gy) pairs. */
export function pushSamples(e: StoredEvent, out: number[]): void {
  forEachSample(e, (gx, gy) => out.push(gx, gy));
}

const sessionRow = (s: SessionUpsert): SessionRow => [
  s.projectId,
  s.sessionId,
  s.userId,
  json(s.userTraits),
  s.startedAt,
  s.lastSeenAt,
  s.firstPath,
  0,
  json(s.app),
  json(s.device),
];

export function toWriterBatch(batch: WriteBatch): WriterBatch {
  const samples: number[] = [];
  const sampleEnd = new Int32Array(batch.events.length);
  const events = batch.events.map((e, i): EventRow => {
    pushSamples(e, samples);
    sampleEnd[i] = samples.length / 2;
    return [e.projectId, e.eventId, e.sessionId, e.userId, e.type, e.ts, e.path, e.page, e.bucket, JSON.stringify(e.data)];
  });
  const selectors = batch.events.map((e) => (e.type === "click" && typeof e.data.selector === "string" ? e.data.selector : null));
  const views = new Int32Array(batch.events.length * 3);
  batch.events.forEach((e, i) => views.set(scrollOf(e), i * 3));
  // As the stored JSON will read back: JSON.stringify writes a non-finite number as null, and -0 as 0.
  const coordinate = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v + 0 : NaN);
  const clickXY = new Float64Array(batch.events.length * 2).fill(NaN);
  batch.events.forEach((e, i) => {
    if (e.type !== "click") return;
    clickXY[2 * i] = coordinate(e.data.x);
    clickXY[2 * i + 1] = coordinate(e.data.y);
  });
  return { events, sessions: batch.sessions.map(sessionRow), samples: Int32Array.from(samples), sampleEnd, selectors, views, clickXY };
}
