import { Counter, Gauge, Histogram, collectDefaultMetrics, Registry } from "prom-client";

/** Seconds: from a cached key's 2 ms batch to the 10 s storage timeout. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every series the plugin exports, in one registry of its own (never prom-client's global one, so
 * two collectors in one process never clash). Names follow Prometheus conventions: `_total` for
 * counters, base units (seconds).
 */
export function createInstruments(prefix: string, defaultMetrics: boolean) {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  return {
    registry,
    ingestRequests: new Counter({
      name: `${prefix}ingest_requests_total`,
      help: "POST /ingest requests answered, by HTTP status and error code (code=\"ok\" for 2xx; rate_limited counts rate-limit refusals).",
      labelNames: ["status", "code"] as const,
      registers,
    }),
    ingestDuration: new Histogram({
      name: `${prefix}ingest_request_duration_seconds`,
      help: "Time to answer POST /ingest, from routing to the last byte written, by HTTP status.",
      labelNames: ["status"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    events: new Counter({
      name: `${prefix}ingest_events_total`,
      help: "Events of answered batches by outcome: stored, duplicate (a retry, not stored again), dropped (unmasked input), rejected (refused one by one).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    eventsRejected: new Counter({
      name: `${prefix}ingest_events_rejected_total`,
      help: "Events refused one by one, by rejection code.",
      labelNames: ["code"] as const,
      registers,
    }),
    storageDuration: new Histogram({
      name: `${prefix}storage_call_duration_seconds`,
      help: "Storage calls on the request path (op: write = a batch, lookup = a key or project, probe = readyz), by outcome (ok, error, timeout).",
      labelNames: ["op", "outcome"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    storageErrors: new Counter({
      name: `${prefix}storage_errors_total`,
      help: "Storage calls on the request path that failed or timed out (each answered 503 storage_unavailable).",
      labelNames: ["op", "outcome"] as const,
      registers,
    }),
    inFlight: new Gauge({
      name: `${prefix}in_flight`,
      help: "Requests being answered plus storage calls still running in this process (what close() waits for).",
      registers,
    }),
  };
}

export type Instruments = ReturnType<typeof createInstruments>;
