import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { startCollector, type TestCollector } from "../helpers/collector";

const SHOP = { id: "shop", key: "hk_cors_shop_key_0123456789abcdef", allowedOrigins: ["https://shop.example", "https://*.cdn.example"] };
const BLOG = { id: "blog", key: "hk_cors_blog_key_0123456789abcdef", allowedOrigins: ["https://blog.example"] };
const OPEN = { id: "open", key: "hk_cors_open_key_0123456789abcdef" };

const preflight = (c: TestCollector, origin: string) =>
  request(c.app)
    .options("/ingest")
    .set("Origin", origin)
    .set("Access-Control-Request-Method", "POST")
    .set("Access-Control-Request-Headers", "content-type,x-project-key,authorization");

const post = (c: TestCollector, key: string, origin?: string) => {
  const s = new SdkSession(`cors-${Math.random().toString(36).slice(2)}`);
  const req = request(c.app).post("/ingest").set("x-project-key", key);
  return (origin ? req.set("Origin", origin) : req).send(s.payload([s.click(5, 5)]));
};

describe("cors: browser ingest (preflight, allowed and refused origins)", () => {
  describe("projects that list their origins", () => {
    let c: TestCollector;
    before(async () => {
      c = await startCollector({ projects: [SHOP, BLOG], ingestion: { rateLimit: { windowMs: 60_000, max: 2 } } });
    });
    after(() => c.close());

    it("answers a preflight from a listed origin with the SDK's headers", async () => {
      const res = await preflight(c, "https://shop.example");
      expect(res.status).to.equal(204);
      expect(res.headers["access-control-allow-origin"]).to.equal("https://shop.example");
      expect(res.headers["access-control-allow-methods"]).to.contain("POST");
      const allowed = String(res.headers["access-control-allow-headers"]).toLowerCase().split(/,\s*/);
      expect(allowed).to.include.members(["content-type", "x-project-key", "authorization"]);
      expect(Number(res.headers["access-control-max-age"])).to.be.greaterThan(0);
      expect(res.headers["vary"]).to.contain("Origin");
    });

    it("normalizes origins and matches subdomain wildcards, but not the bare domain", async () => {
      expect((await preflight(c, "HTTPS://Shop.Example:443")).headers["access-control-allow-origin"]).to.equal("https://shop.example");
      expect((await preflight(c, "https://eu.cdn.example")).headers["access-control-allow-origin"]).to.equal("https://eu.cdn.example");
      expect((await preflight(c, "https://cdn.example")).status).to.equal(403);
      expect((await preflight(c, "http://shop.example")).status).to.equal(403);
    });

    it("refuses a preflight from an origin no project lists, without CORS headers", async () => {
      const res = await preflight(c, "https://evil.example");
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal("origin_not_allowed");
      expect(res.headers).to.not.have.property("access-control-allow-origin");
    });

    it("stores a batch from a listed origin and exposes the back-off and request-id headers", async () => {
      const res = await post(c, SHOP.key, "https://shop.example");
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.stored).to.equal(1);
      expect(res.headers["access-control-allow-origin"]).to.equal("https://shop.example");
      const exposed = String(res.headers["access-control-expose-headers"]).split(/,\s*/);
      expect(exposed).to.include.members(["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-Id"]);
    });

    it("refuses (403 origin_not_allowed) an origin another project lists but the key's project does not", async () => {
      // The preflight passes (blog lists it: a preflight carries no key), the real request does not.
      expect((await preflight(c, "https://blog.example")).status).to.equal(204);
      const res = await post(c, SHOP.key, "https://blog.example");
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal("origin_not_allowed");
      expect(res.body.details).to.deep.equal({ origin: "https://blog.example" });
      // Still readable by the page, so the SDK's developer can see why.
      expect(res.headers["access-control-allow-origin"]).to.equal("https://blog.example");
    });

    it("refuses a real request from an unlisted origin even with a valid key", async () => {
      const res = await post(c, BLOG.key, "https://evil.example");
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal("origin_not_allowed");
      expect(res.headers).to.not.have.property("access-control-allow-origin");
    });

    it("sends CORS headers on errors: 401 for a bad key, 429 with a readable Retry-After", async () => {
      const bad = await post(c, "hk_nobody", "https://blog.example");
      expect(bad.status).to.equal(401);
      expect(bad.headers["access-control-allow-origin"]).to.equal("https://blog.example");
      let limited: request.Response | undefined;
      for (let i = 0; i < 4 && !limited; i++) {
        const res = await post(c, BLOG.key, "https://blog.example");
        if (res.status === 429) limited = res;
        else expect(res.status, JSON.stringify(res.body)).to.equal(200);
      }
      expect(limited, "the limit of 2 per window was reached").to.not.equal(undefined);
      expect(limited!.headers["access-control-allow-origin"]).to.equal("https://blog.example");
      expect(Number(limited!.headers["retry-after"])).to.be.greaterThan(0);
      expect(String(limited!.headers["access-control-expose-headers"])).to.contain("Retry-After");
    });

    it("checks nothing on requests without an Origin header (servers, not browsers)", async () => {
      const res = await post(c, SHOP.key);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.headers).to.not.have.property("access-control-allow-origin");
    });
  });

  describe("a project with an empty allowedOrigins list", () => {
    let c: TestCollector;
    before(async () => {
      c = await startCollector({ projects: [OPEN, BLOG] });
    });
    after(() => c.close());

    it("accepts any origin, at preflight and on the real request", async () => {
      const pre = await preflight(c, "https://anywhere.example");
      expect(pre.status).to.equal(204);
      expect(pre.headers["access-control-allow-origin"]).to.equal("https://anywhere.example");
      const res = await post(c, OPEN.key, "https://anywhere.example");
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.headers["access-control-allow-origin"]).to.equal("https://anywhere.example");
    });

    it("still holds a restricted project to its own list", async () => {
      const res = await post(c, BLOG.key, "https://anywhere.example");
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal("origin_not_allowed");
    });
  });
});
