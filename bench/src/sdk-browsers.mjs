// @ts-check
/**
 * Steady SDK-like traffic for the soak: N browsers, each with its own loopback address (the per-IP
 * rate limit sees N clients) and its own session(s), flushing a batch of 1..50 SDK-shaped events
 * with random UUIDs every `flushMs`, as heat-sdk 0.2.6's 2-second flush does. A batch answered with
 * anything but 2xx, or lost to a network error or a timeout, is re-sent unchanged with the SDK's
 * backoff (1 s doubling to 30 s, plus up to 300 ms) until it is acknowledged; nothing behind it is
 * sent meanwhile. Each attempt goes to the next instance in turn (a round-robin balancer).
 */
import { Agent, request } from "node:http";
import { randomUUID } from "node:crypto";
import { INGEST_KEY, sleep } from "./common.mjs";
import { Workload, rng } from "./workload.mjs";

/** No answer within this counts as a hang (the collector answers within its storage timeout, 10 s). */
const REQUEST_TIMEOUT_MS = 15_000;

/** @typedef {number | "network_error" | "timeout"} Outcome */
/** @typedef {(minute: number, outcome: Outcome, ms: number) => void} AttemptSink */

/**
 * One POST /ingest; never rejects.
 * @returns {Promise<Outcome>}
 */
function post(/** @type {string} */ base, /** @type {string} */ body, /** @type {string} */ localAddress, /** @type {Agent} */ agent) {
  const u = new URL("/ingest", base);
  return new Promise((resolve) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress,
        agent,
        headers: { "content-type": "application/json", "x-project-key": INGEST_KEY, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve("network_error"));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy();
      resolve("timeout");
    });
    req.on("error", () => resolve("network_error"));
    req.end(body);
  });
}

/**
 * Acknowledged event keys, 32 bytes each (session and event UUID), in 1 MB chunks outside the JS
 * heap: 2–3 million keys as strings in a Set would cost the load generator ~400 MB.
 */
export class AckLedger {
  static KEY_BYTES = 32;
  static CHUNK_KEYS = 32_768;
  constructor() {
    /** @type {Buffer[]} */
    this.chunks = [];
    this.count = 0;
  }

  add(/** @type {string} */ sessionId, /** @type {string} */ eventId) {
    const at = this.count % AckLedger.CHUNK_KEYS;
    if (at === 0) this.chunks.push(Buffer.allocUnsafe(AckLedger.CHUNK_KEYS * AckLedger.KEY_BYTES));
    const chunk = this.chunks[this.chunks.length - 1];
    chunk.write(sessionId.replaceAll("-", ""), at * AckLedger.KEY_BYTES, 16, "hex");
    chunk.write(eventId.replaceAll("-", ""), at * AckLedger.KEY_BYTES + 16, 16, "hex");
    this.count++;
  }

  /** The keys as [sessionIds, eventIds] in slices of `size`, UUIDs in their usual text form. */
  *slices(size = 20_000) {
    const text = (/** @type {Buffer} */ b, /** @type {number} */ at) => {
      const h = b.toString("hex", at, at + 16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    for (let from = 0; from < this.count; from += size) {
      const sessions = [];
      const events = [];
      for (let i = from; i < Math.min(this.count, from + size); i++) {
        const chunk = this.chunks[Math.floor(i / AckLedger.CHUNK_KEYS)];
        const at = (i % AckLedger.CHUNK_KEYS) * AckLedger.KEY_BYTES;
        sessions.push(text(chunk, at));
        events.push(text(chunk, at + 16));
      }
      yield /** @type {[string[], string[]]} */ ([sessions, events]);
    }
  }
}

/**
 * @typedef {{ browsers: number, flushMs: number, urls: readonly string[], t0: number, onAttempt: AttemptSink }} BrowserOptions
 * @typedef {{ batches: number, sent: number, acked: number, ledger: AckLedger, unacknowledged: number, retries: number }} BrowserTotals
 */

/**
 * Runs the browsers until `stop` resolves; each then finishes the batch it holds (re-sent until
 * acknowledged, for at most `finishWithinMs`). Resolves with the totals.
 * @param {BrowserOptions} o
 * @param {Promise<void>} stop
 * @param {number} finishWithinMs
 * @returns {Promise<BrowserTotals>}
 */
export async function runBrowsers(o, stop, finishWithinMs) {
  /** @type {BrowserTotals} */
  const totals = { batches: 0, sent: 0, acked: 0, ledger: new AckLedger(), unacknowledged: 0, retries: 0 };
  let stopping = false;
  let giveUpAt = Infinity;
  void stop.then(() => {
    stopping = true;
    giveUpAt = Date.now() + finishWithinMs;
  });
  const minute = () => Math.floor((Date.now() - o.t0) / 60_000);

  const browser = async (/** @type {number} */ i) => {
    const random = rng(9000 + i);
    // One tab: a session at a time, replaced after a few batches (Workload's session life).
    const wl = new Workload(9000 + i, { sessions: 1, live: (off) => Date.now() + off, id: randomUUID });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const address = `127.1.${Math.floor(i / 240)}.${10 + (i % 240)}`;
    let turn = i;
    // Browsers' flushes are spread evenly over one interval, so the total rate is steady.
    let due = Date.now() + (o.flushMs * i) / o.browsers;
    try {
      while (!stopping) {
        await sleep(Math.max(0, due - Date.now()));
        if (stopping) break;
        due = Math.max(due + o.flushMs, Date.now());
        const payload = wl.next(1 + Math.floor(random() * 50));
        const body = JSON.stringify(payload);
        totals.batches++;
        totals.sent += payload.events.length;
        for (let backoff = 1_000; ; backoff = Math.min(backoff * 2, 30_000)) {
          const t = performance.now();
          const outcome = await post(o.urls[turn++ % o.urls.length], body, address, agent);
          o.onAttempt(minute(), outcome, performance.now() - t);
          if (typeof outcome === "number" && outcome >= 200 && outcome < 300) {
            totals.acked += payload.events.length;
            for (const e of payload.events) totals.ledger.add(String(e.sessionId), String(e.eventId));
            break;
          }
          if (Date.now() > giveUpAt) {
            totals.unacknowledged++;
            return;
          }
          totals.retries++;
          await sleep(backoff + random() * 300);
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.browsers }, (_, i) => browser(i)));
  return totals;
}
