import type { Page } from "playwright-core";

/** One event as the SDK sent it (the fields the e2e suites read). */
export interface SentEvent {
  eventId: string;
  sessionId: string;
  type: string;
  [field: string]: unknown;
}

/** A request body as the SDK posts it. */
export interface SentBatch {
  sdk: { name: string; version: string };
  session: { id: string };
  user?: { id: string; traits?: Record<string, unknown> };
  events: SentEvent[];
  [field: string]: unknown;
}

export interface IngestTraffic {
  /** Every body posted to /ingest, retries included, in order. */
  bodies: SentBatch[];
  /** Status of every /ingest response the page received. */
  statuses: number[];
  /** The JSON body of every /ingest response, in the order they were read. */
  replies: Array<Record<string, unknown>>;
  /** How many POST bodies held each eventId (more than 1: the SDK re-sent it). */
  sends(eventId: string): number;
  /** Every request of the page that failed at the network level (CORS included), with Chromium's reason. */
  failures: string[];
  /** Distinct eventIds sent, whatever the outcome. */
  eventIds(): Set<string>;
}

/** Watches what the page's SDK sends to `ingestUrl`, and every failed request of the page. */
export function watchIngest(page: Page, ingestUrl: string): IngestTraffic {
  const traffic: IngestTraffic = {
    bodies: [],
    statuses: [],
    replies: [],
    failures: [],
    sends(eventId) {
      return this.bodies.filter((b) => b.events.some((e) => e.eventId === eventId)).length;
    },
    eventIds() {
      return new Set(this.bodies.flatMap((b) => b.events.map((e) => e.eventId)));
    },
  };
  page.on("request", (req) => {
    if (req.method() === "POST" && req.url() === ingestUrl) traffic.bodies.push(req.postDataJSON() as SentBatch);
  });
  page.on("response", (res) => {
    if (res.url() !== ingestUrl || res.request().method() !== "POST") return;
    traffic.statuses.push(res.status());
    res.json().then(
      (body: Record<string, unknown>) => traffic.replies.push(body),
      () => undefined,
    );
  });
  page.on("requestfailed", (req) => {
    traffic.failures.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? "failed"}`);
  });
  return traffic;
}
