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

  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
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
      },
      queries: this.queries,
    };
  }
}
