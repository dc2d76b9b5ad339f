/**
 * A PostgreSQL that goes away or stalls, for one collector, through a TCP relay in front of the shared
 * server (support/tcp-proxy.ts): only this suite's connections are cut or held. Real driver, real
 * errors. Ingest must answer 503 storage_unavailable with Retry-After within a bounded time (never a
 * 500, never a hang), readyz must say so, and the collector must recover by itself; the database then
 * holds exactly the events of the batches retried to success.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { expect } from "chai";
import type { IngestPayload } from "@m-software-engineering/heat-collector";
import { PROJECT, OTHER_PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { requireService } from "../helpers/services";
import { admin, freshDatabase, PG_URL } from "../conformance/stores";
import { SdkSession } from "../helpers/sdk";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy";
import { prometheus } from "@m-software-engineering/heat-collector-prometheus";
import { sample } from "./support/prom-text";

const METRICS_TOKEN = "prom_outage_token_0123456789";

const STORAGE_MS = 1_500;
const READY_MS = 500;
/** Bound on any answer while the database is away: the storage timeout plus scheduling slack. */
const ANSWER_BOUND_MS = STORAGE_MS + 1_500;

describe("database outage (PostgreSQL behind a relay): 503 storage_unavailable, bounded, recovers alone", function () {
  this.timeout(60_000);
  let proxy: TcpProxy;
  let db: { url: string; drop(): Promise<void> };
  let tc: TestCollector;
  let server: Server;
  let base: string;
  const session = new SdkSession("outage");
  const acknowledged = new Set<string>();

  before(async function () {
    await requireService(this, "PostgreSQL", () => admin("pg", PG_URL, (run) => run("SELECT 1")));
    db = await freshDatabase("pg", PG_URL, "hc_fault");
    const u = new URL(db.url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    tc = await startCollector({
      db: { dialect: "pg", connectionString: proxy.route(db.url) },
      timeouts: { storageMs: STORAGE_MS, readyMs: READY_MS, drainMs: 5_000 },
      logging: { level: "error" },
      plugins: [prometheus({ token: METRICS_TOKEN, defaultMetrics: false })],
    });
    server = tc.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await proxy?.up().catch(() => undefined);
    proxy?.resume();
    server?.closeAllConnections();
    server?.close();
    await tc?.close();
    await proxy?.close();
    await db?.drop();
  });

  async function post(body: IngestPayload, key = PROJECT.key): Promise<{ status: number; ms: number; retryAfter: string | null; body: Record<string, unknown> }> {
    const started = Date.now();
    const res = await fetch(`${base}/ingest`, { method: "POST", headers: { "content-type": "application/json", "x-project-key": key }, body: JSON.stringify(body) });
    const reply = (await res.json()) as Record<string, unknown>;
    if (res.status === 200) for (const e of body.events) acknowledged.add(`${e.sessionId}/${e.eventId}`);
    return { status: res.status, ms: Date.now() - started, retryAfter: res.headers.get("retry-after"), body: reply };
  }
  const batch = (n: number) => session.payload(Array.from({ length: n }, (_, i) => session.click(i, i)));

  it("database down: a warm key's batch, a never-seen key (cold cache) and readyz all answer 503 storage_unavailable with Retry-After, fast", async () => {
    expect((await post(batch(5))).status).to.equal(200);
    await proxy.down();
    const pending = batch(5);
    const warm = await post(pending);
    // OTHER_PROJECT's key was never resolved: its lookup reads the database, as after a restart or a cache expiry.
    const cold = await post(new SdkSession("outage-cold").payload([session.click(1, 1)]), OTHER_PROJECT.key);
    for (const r of [warm, cold]) {
      expect(r.status, JSON.stringify(r.body)).to.equal(503);
      expect(r.body.code).to.equal("storage_unavailable");
      expect(r.retryAfter).to.equal("5");
      expect(r.ms).to.be.below(ANSWER_BOUND_MS);
    }
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(503);
    expect(((await ready.json()) as { code: string }).code).to.equal("storage_unavailable");
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);

    await proxy.up();
    // Recovery without a restart: the same batch, retried as the SDK does, until it passes.
    const started = Date.now();
    let retried = await post(pending);
    while (retried.status !== 200 && Date.now() - started < 20_000) {
      expect(retried.status, JSON.stringify(retried.body)).to.equal(503);
      await new Promise((r) => setTimeout(r, 250));
      retried = await post(pending);
    }
    expect(retried.status).to.equal(200);
    expect((retried.body.stored as number) + (retried.body.duplicates as number)).to.equal(5);
    expect((await fetch(`${base}/readyz`)).status).to.equal(200);
  });

  it("database stalled: the batch is answered 503 after storageMs, not held; retried after, it is stored exactly once", async () => {
    const pending = batch(7);
    proxy.stall();
    const stalled = await post(pending);
    expect(stalled.status, JSON.stringify(stalled.body)).to.equal(503);
    expect(stalled.body.code).to.equal("storage_unavailable");
    expect(stalled.ms).to.be.within(STORAGE_MS - 50, ANSWER_BOUND_MS);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(503);
    proxy.resume();
    let retried = await post(pending);
    const started = Date.now();
    while (retried.status !== 200 && Date.now() - started < 20_000) {
      await new Promise((r) => setTimeout(r, 250));
      retried = await post(pending);
    }
    expect(retried.status).to.equal(200);
    // The stalled write may have committed once resumed: then the retry finds duplicates, never a second copy.
    expect((retried.body.stored as number) + (retried.body.duplicates as number)).to.equal(7);
  });

  it("afterwards the database holds exactly the acknowledged events, none twice", async () => {
    const rows = await admin("pg", db.url, (run) => run("SELECT session_id, event_id FROM events"));
    const stored = rows.map((r) => `${String(r.session_id)}/${String(r.event_id)}`);
    expect(new Set(stored).size, "no event twice").to.equal(stored.length);
    expect([...stored].sort()).to.deep.equal([...acknowledged].sort());
  });

  it("the outage shows in /metrics: storage errors and timeouts by operation, 503s by code", async () => {
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(sample(text, "heat_collector_storage_errors_total", { op: "write", outcome: "error" })).to.be.at.least(1);
    expect(sample(text, "heat_collector_storage_errors_total", { op: "write", outcome: "timeout" })).to.equal(1);
    expect(sample(text, "heat_collector_storage_errors_total", { op: "lookup", outcome: "error" })).to.equal(1);
    expect(sample(text, "heat_collector_storage_errors_total", { op: "probe" })).to.be.at.least(1);
    expect(sample(text, "heat_collector_ingest_requests_total", { status: "503", code: "storage_unavailable" })).to.be.at.least(3);
    expect(sample(text, "heat_collector_ingest_requests_total", { status: "500" })).to.equal(0);
  });
});
