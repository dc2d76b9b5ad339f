import { expect } from "chai";
import request from "supertest";
import { ERROR_CODES } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../helpers/sdk";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

/** Checks the one error shape: { error, code, message, requestId, details? } and X-Request-Id. */
function expectError(res: request.Response, status: number, code: keyof typeof ERROR_CODES): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body.code).to.equal(code);
  expect(res.body.error).to.equal(ERROR_CODES[code].error);
  expect(res.body.message).to.be.a("string").and.not.equal("");
  expect(res.body.requestId).to.be.a("string").and.equal(res.headers["x-request-id"]);
  expect(Object.keys(res.body)).to.satisfy((keys: string[]) => keys.every((k) => ["error", "code", "message", "requestId", "details"].includes(k)));
}

describe("errors: one shape, stable codes (ingest and query)", () => {
  let c: TestCollector;
  const s = new SdkSession("err");
  const good = () => s.payload([s.click(10, 10)]);
  const post = () => request(c.app).post("/ingest").set("x-project-key", PROJECT.key);

  before(async () => {
    c = await startCollector({ ingestion: { maxBodyBytes: 40_000, rateLimit: false, maxEventsPerBatch: 60 } });
  });
  after(() => c.close());

  it("missing_project_key", async () => {
    expectError(await request(c.app).post("/ingest").send(good()), 401, "missing_project_key");
  });

  it("invalid_project_key", async () => {
    expectError(await request(c.app).post("/ingest").set("x-project-key", "hk_nobody").send(good()), 401, "invalid_project_key");
  });

  it("invalid_json", async () => {
    expectError(await post().set("content-type", "application/json").send('{"session":'), 400, "invalid_json");
  });

  it("unsupported_media_type", async () => {
    expectError(await post().set("content-type", "application/x-www-form-urlencoded").send("a=b"), 415, "unsupported_media_type");
  });

  it("invalid_encoding (invalid UTF-8)", async () => {
    const bytes = Buffer.concat([Buffer.from('{"session":{"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"},"events":[]}')]);
    expectError(await post().set("content-type", "application/json").serialize((b: Buffer) => b as unknown as string).send(bytes), 400, "invalid_encoding");
  });

  it("payload_too_large, with and without Content-Length", async () => {
    const big = JSON.stringify({ ...good(), pad: "x".repeat(50_000) });
    expectError(await post().set("content-type", "application/json").send(big), 413, "payload_too_large");
    const chunked = await new Promise<request.Response>((resolve, reject) => {
      const req = post().set("content-type", "application/json").set("transfer-encoding", "chunked");
      req.write(big.slice(0, 30_000));
      req.write(big.slice(30_000));
      req.end((err, res) => (err && !res ? reject(err) : resolve(res)));
    });
    expectError(chunked, 413, "payload_too_large");
  });

  it("invalid_payload for an unusable envelope, with the failing path in details", async () => {
    const res = await post().send({ session: { id: "" }, events: [s.click(1, 1)] });
    expectError(res, 400, "invalid_payload");
    expect(res.body.details[0].path).to.equal("/session/id");
    expectError(await post().send({ session: { id: "x" }, events: [] }), 400, "invalid_payload");
    expectError(await post().send({ session: { id: "x" }, events: Array.from({ length: 61 }, () => s.keyboard("other")) }), 400, "invalid_payload");
  });

  it("invalid_query and not_found on the query APIs", async () => {
    expectError(await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?resolution=5000`), 400, "invalid_query");
    expectError(await request(c.app).get(`/api/projects/${PROJECT.id}/heatmap?from=yesterday`), 400, "invalid_query");
    expectError(await request(c.app).get(`/api/projects/${PROJECT.id}/events?from=10&to=5`), 400, "invalid_query");
    expectError(await request(c.app).get(`/api/projects/${PROJECT.id}/events?type=hover`), 400, "invalid_query");
    expectError(await request(c.app).get("/api/projects/nope/sessions"), 404, "not_found");
    expectError(await request(c.app).get("/api/sessions/nope"), 404, "not_found");
  });

  it("rejected requests store nothing", async () => {
    const res = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
    expect(res.body.events).to.deep.equal([]);
  });
});

describe("rate limiting (plugins/rate-limit)", () => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector({ ingestion: { rateLimit: { windowMs: 60_000, max: 2 } } });
  });
  after(() => c.close());

  it("answers 429 rate_limited with Retry-After and X-RateLimit-* per key and IP", async () => {
    const s = new SdkSession("rl");
    const send = (key = PROJECT.key) => request(c.app).post("/ingest").set("x-project-key", key).send(s.payload([s.click(1, 1)]));
    const first = await send().expect(200);
    expect(first.headers).to.include({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1" });
    await send().expect(200);
    const limited = await send();
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
    expect(limited.headers["x-ratelimit-remaining"]).to.equal("0");
    expect(Number(limited.headers["x-ratelimit-reset"])).to.be.greaterThan(Date.now() / 1000);
    // Another key has its own budget.
    const other = await send("hk_other_key_not_registered");
    expectError(other, 401, "invalid_project_key");
  });
});
