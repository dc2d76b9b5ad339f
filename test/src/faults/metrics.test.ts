/** The Prometheus plugin on the embedded store: what GET /metrics counts after real requests. */
import { expect } from "chai";
import request from "supertest";
import { prometheus } from "@m-software-engineering/heat-collector-prometheus";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";
import { SdkSession } from "../helpers/sdk";
import { sample } from "./support/prom-text";

const TOKEN = "prom_test_token_0123456789";

describe("prometheus plugin: GET /metrics", () => {
  let tc: TestCollector;
  before(async () => {
    tc = await startCollector({ plugins: [prometheus({ token: TOKEN })], ingestion: { rateLimit: { windowMs: 60_000, max: 2 } } });
  });
  after(() => tc.close());

  const scrape = async () => {
    const res = await request(tc.app).get("/metrics").set("authorization", `Bearer ${TOKEN}`);
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it("refuses a scrape without the token (403 forbidden), and needs no token for nothing else", async () => {
    expect((await request(tc.app).get("/metrics")).status).to.equal(403);
    expect((await request(tc.app).get("/metrics").set("authorization", "Bearer wrong")).body.code).to.equal("forbidden");
  });

  it("counts requests by status and code, events by outcome and rejection code, storage calls, and process metrics", async () => {
    const s = new SdkSession("prom");
    const batch = s.payload([s.click(1, 2), s.click(3, 4), { ...s.click(5, 6), ts: -1 }]);
    const post = (body: unknown, key = PROJECT.key) => request(tc.app).post("/ingest").set("x-project-key", key).send(body as object);
    expect((await post(batch)).status).to.equal(200); // 2 stored, 1 rejected
    expect((await post(batch)).status).to.equal(200); // 2 duplicates, 1 rejected
    expect((await post(batch, "hk_unknown_key_0123456789abcdef")).status).to.equal(401);
    expect((await post(batch)).status).to.equal(429); // the 3rd request from this key and IP in the window

    const text = await scrape();
    expect(sample(text, "heat_collector_ingest_requests_total", { status: "200", code: "ok" })).to.equal(2);
    expect(sample(text, "heat_collector_ingest_requests_total", { status: "401", code: "invalid_project_key" })).to.equal(1);
    expect(sample(text, "heat_collector_ingest_requests_total", { status: "429", code: "rate_limited" })).to.equal(1);
    expect(sample(text, "heat_collector_ingest_request_duration_seconds_count", { status: "200" })).to.equal(2);
    expect(sample(text, "heat_collector_ingest_events_total", { outcome: "stored" })).to.equal(2);
    expect(sample(text, "heat_collector_ingest_events_total", { outcome: "duplicate" })).to.equal(2);
    expect(sample(text, "heat_collector_ingest_events_total", { outcome: "rejected" })).to.equal(2);
    expect(sample(text, "heat_collector_ingest_events_rejected_total", { code: "invalid_event" })).to.equal(2);
    expect(sample(text, "heat_collector_storage_call_duration_seconds_count", { op: "write", outcome: "ok" })).to.equal(2);
    expect(sample(text, "heat_collector_storage_call_duration_seconds_count", { op: "lookup", outcome: "ok" })).to.be.at.least(2);
    expect(sample(text, "heat_collector_storage_errors_total", { op: "write", outcome: "error" })).to.equal(0);
    expect(sample(text, "heat_collector_process_resident_memory_bytes")).to.be.above(0);
    expect(text).to.include("# TYPE heat_collector_in_flight gauge");
  });
});
