import type { JsonObject } from "./events";

/** In-process counters behind GET /api/metrics. */
export class Metrics {
  private readonly startedAt = Date.now();
  ingestRequests = 0;
  eventsStored = 0;
  eventsDuplicate = 0;
  eventsDropped = 0;
  queries = 0;
  private readonly rejected = new Map<string, number>();
  private readonly eventsRejected = new Map<string, number>();

  /** A request refused whole, by error code. */
  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }

  /** One event of an accepted batch refused, by rejection code. */
  rejectEvent(code: string): void {
    this.eventsRejected.set(code, (this.eventsRejected.get(code) ?? 0) + 1);
  }

  snapshot(storage: string): JsonObject {
    return {
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      storage,
      ingest: {
        requests: this.ingestRequests,
        eventsStored: this.eventsStored,
        eventsDuplicate: this.eventsDuplicate,
        eventsDropped: this.eventsDropped,
        rejected: Object.fromEntries(this.rejected),
        eventsRejected: Object.fromEntries(this.eventsRejected),
      },
      queries: this.queries,
    };
  }
}
