/**
 * A load generator that behaves like heat-sdk 0.2.6 behind a load balancer: each virtual browser has
 * its own session and its own loopback address (so the per-IP rate limit sees many clients), sends
 * batches of 10..50 events, and re-sends the *same* batch after a network error or any non-2xx, with
 * backoff, until it is acknowledged (the SDK backs off 1 s doubling to 30 s; here 100 ms doubling to
 * 2 s, to keep the suite short). Each attempt goes to the next instance in turn, as a round-robin
 * balancer that has not noticed a dead instance yet would send it.
 */
import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../../helpers/sdk";
import { rng } from "../../helpers/rng";

/** No answer within this is a hang (the collector promises an answer within its storage timeout). */
export const REQUEST_TIMEOUT_MS = 15_000;

export type Outcome = number | "network_error" | "timeout";

export interface Attempt {
  at: number;
  url: string;
  outcome: Outcome;
  code?: string;
}

export interface LoadResult {
  /** Events put in batches (each once). */
  sent: number;
  batches: number;
  /** Keys (sessionId/eventId) of the events of every acknowledged batch. */
  acknowledged: Set<string>;
  /** Batches given up on (still not acknowledged at the end): must be none. */
  unacknowledged: number;
  storedReported: number;
  duplicatesReported: number;
  attempts: Attempt[];
}

export interface PostReply {
  outcome: Outcome;
  body?: Record<string, unknown>;
}

/** One POST /ingest from `localAddress` over `agent`. Never rejects. */
export function postBatch(url: string, key: string, body: IngestPayload, localAddress: string, agent: Agent): Promise<PostReply> {
  const u = new URL("/ingest", url);
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress,
        agent,
        headers: { "content-type": "application/json", "x-project-key": key, "content-length": Buffer.byteLength(data) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = undefined;
          }
          resolve({ outcome: res.statusCode ?? 0, ...(parsed && { body: parsed }) });
        });
        res.on("error", () => resolve({ outcome: "network_error" }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy();
      resolve({ outcome: "timeout" });
    });
    req.on("error", () => resolve({ outcome: "network_error" }));
    req.end(data);
  });
}

function sdkBatch(session: SdkSession, random: () => number): IngestPayload {
  const px = (n: number) => Math.floor(random() * n);
  const n = 10 + px(41);
  const events = Array.from({ length: n }, (_, i): IngestEvent => {
    switch (i % 5) {
      case 1:
        return session.move([[px(1280), px(2400)], [px(1280), px(2400)]]);
      case 2:
        return session.scroll(px(2000), px(101));
      case 3:
        return session.custom("add_to_cart", { sku: `sku-${px(9)}` });
      default:
        return session.click(px(1280), px(2400));
    }
  });
  return session.payload(events);
}

export interface LoadOptions {
  clients: number;
  key: string;
  /** The instances' current URLs; read at each attempt (an instance restarted elsewhere is picked up). */
  urls: () => readonly string[];
  /** Pause between a client's acknowledged batch and its next one. */
  intervalMs: number;
  /** Loopback addresses 127.0.<n>.<i>: one per client. */
  subnet: number;
  t0: number;
}

/** Runs until `stop` resolves, then lets every client finish its current batch (retrying it to success). */
export async function runSdkLoad(options: LoadOptions, stop: Promise<void>, finishWithinMs: number): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, batches: 0, acknowledged: new Set(), unacknowledged: 0, storedReported: 0, duplicatesReported: 0, attempts: [] };
  let stopping = false;
  let giveUpAt = Infinity;
  void stop.then(() => {
    stopping = true;
    giveUpAt = Date.now() + finishWithinMs;
  });

  const client = async (i: number) => {
    const session = new SdkSession(`load-${i}`, options.t0 + i * 60_000);
    const random = rng(1000 + i);
    const agent = new Agent({ keepAlive: true });
    const address = `127.0.${options.subnet}.${10 + i}`;
    let turn = i;
    try {
      while (!stopping) {
        const body = sdkBatch(session, random);
        result.sent += body.events.length;
        result.batches++;
        let backoff = 100;
        for (;;) {
          const urls = options.urls();
          const url = urls[turn++ % urls.length]!;
          const reply = await postBatch(url, options.key, body, address, agent);
          result.attempts.push({ at: Date.now(), url, outcome: reply.outcome, ...(typeof reply.body?.code === "string" && { code: reply.body.code }) });
          if (reply.outcome === 200) {
            for (const e of body.events) result.acknowledged.add(`${e.sessionId}/${e.eventId}`);
            result.storedReported += Number(reply.body?.stored ?? 0);
            result.duplicatesReported += Number(reply.body?.duplicates ?? 0);
            break;
          }
          if (Date.now() > giveUpAt) {
            result.unacknowledged++;
            return;
          }
          await sleep(backoff + random() * 50);
          backoff = Math.min(backoff * 2, 2_000);
        }
        await sleep(options.intervalMs);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  return result;
}

/** Attempts counted by outcome (status code, "network_error", "timeout"). */
export function outcomesOf(attempts: readonly Attempt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of attempts) out[String(a.outcome)] = (out[String(a.outcome)] ?? 0) + 1;
  return out;
}
