// @ts-check
/** Ingest load: distinct SDK-shaped request bodies, autocannon over them, and single large batches. */
import autocannon from "autocannon";
import { INGEST_KEY } from "./common.mjs";
import { Workload, baselineRows } from "./workload.mjs";

/** @typedef {{ pool: Array<{ text: string, rows: number, events: number }>, next: () => string }} BodySource */

let sources = 0;

/**
 * Distinct bodies: a seeded pool whose ids carry a tag that changes on every pass over the pool
 * (and differs between sources, so two load generators never send the same ids).
 * Live traffic, stamped when sent: each batch holds the 2 s of events before it, as the SDK's
 * 2-second flush posts them (`spread`: the shape used until session 4, each batch spreading
 * its 50 events over ~47 s and concurrent batches' sessions over an hour).
 * @param {{ spread: boolean }} opts
 * @returns {BodySource}
 */
export function bodySource({ spread }) {
  const now = Date.now();
  const live = spread ? undefined : (/** @type {number} */ off) => `@T${off}@`;
  const wl = new Workload(7, { sessions: 200, tag: "@@", from: now - 2 * 3_600_000, to: now, live });
  const pool = [];
  for (let i = 0; i < 1500; i++) {
    const b = wl.next();
    pool.push({ text: JSON.stringify(b), rows: baselineRows(b), events: b.events.length });
  }
  let k = 0;
  const run = `${Date.now().toString(36)}s${sources++}`;
  return {
    pool,
    next() {
      const p = pool[k % pool.length];
      const t = Date.now();
      const body = p.text.replaceAll("@@", `${run}p${Math.floor(k / pool.length)}`).replace(/"@T(-?\d+)@"/g, (_, off) => String(t + Number(off)));
      k++;
      return body;
    },
  };
}

/**
 * autocannon POSTing the source's bodies to /ingest.
 * @param {{ base: string }} server
 * @param {BodySource} source
 * @param {number} seconds
 * @param {number} connections
 * @returns {Promise<any>} autocannon's result
 */
export function cannon(server, source, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: server.base,
        connections,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path: "/ingest",
            headers: { "content-type": "application/json", "x-project-key": INGEST_KEY },
            setupRequest: (req) => ({ ...req, body: source.next() }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function postBody(server, body) {
  const res = await fetch(`${server.base}/ingest`, { method: "POST", headers: { "content-type": "application/json", "x-project-key": INGEST_KEY }, body });
  await res.arrayBuffer();
  return res.status;
}

/** Batches whose move trails expand to 990, 3,000 and 7,500 points (the baseline's rows); their HTTP statuses. */
export async function largeBatches(server) {
  const wl = new Workload(99, { tag: `big${Date.now().toString(36)}` });
  const out = [];
  for (const trails of [66, 200, 500]) {
    const body = JSON.stringify(wl.moves(trails));
    out.push({ points: trails * 15, events: trails, bytes: body.length, status: await postBody(server, body) });
  }
  return out;
}
