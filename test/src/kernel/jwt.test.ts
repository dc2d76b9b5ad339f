import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { AUDIENCE, ISSUER, startJwksServer, type JwksServer } from "../helpers/jwks";
import { PROJECT, startCollector, type TestCollector } from "../helpers/collector";

describe("JWT auth (jose, local JWKS server)", () => {
  let jwks: JwksServer;
  before(async () => {
    jwks = await startJwksServer();
  });
  after(() => jwks.close());

  describe("mode: jwt", () => {
    let c: TestCollector;
    before(async () => {
      c = await startCollector({ auth: { mode: "jwt", jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE } });
    });
    after(() => c.close());
    const s = new SdkSession("jwt");
    const send = (token?: string, key?: string) => {
      let r = request(c.app).post("/ingest");
      if (token !== undefined) r = r.set("authorization", `Bearer ${token}`);
      if (key !== undefined) r = r.set("x-project-key", key);
      return r.send(s.payload([s.click(5, 5)], { id: "client-claimed" }));
    };
    const code = async (r: request.Test) => {
      const res = await r;
      return [res.status, res.body.code];
    };

    it("accepts a valid token; its sub is the user the APIs show (over the SDK's user.id)", async () => {
      const token = await jwks.sign({ sub: "user-from-jwt", projectId: PROJECT.id });
      const res = await send(token).expect(200);
      expect(res.body).to.include({ projectId: PROJECT.id, stored: 1 });
      const sessions = await request(c.app).get(`/api/projects/${PROJECT.id}/sessions`).expect(200);
      expect(sessions.body.sessions[0].userId).to.equal("user-from-jwt");
    });

    it("takes the project from x-project-key when sent, and refuses a token naming another project", async () => {
      expect(await code(send(await jwks.sign({ sub: "u" }), PROJECT.key))).to.deep.equal([200, undefined]);
      expect(await code(send(await jwks.sign({ sub: "u", projectId: "blog" }), PROJECT.key))).to.deep.equal([403, "project_mismatch"]);
      expect(await code(send(await jwks.sign({ sub: "u" })))).to.deep.equal([401, "missing_project_key"]);
    });

    it("missing_jwt without a token", async () => {
      expect(await code(send())).to.deep.equal([401, "missing_jwt"]);
    });

    it("invalid_jwt for expired, not yet valid, wrongly signed, alg none, wrong issuer or audience, unusable sub, garbage", async () => {
      const claims = { sub: "u", projectId: PROJECT.id };
      const bad = [
        await jwks.sign(claims, { expiresIn: Math.floor(Date.now() / 1000) - 600 }),
        await jwks.sign(claims, { notBefore: "10m" }),
        await jwks.sign(claims, { foreignKey: true }),
        jwks.unsigned(claims),
        await jwks.sign(claims, { issuer: "https://evil.example" }),
        await jwks.sign(claims, { audience: "someone-else" }),
        await jwks.sign({ ...claims, sub: "u".repeat(129) }),
        await jwks.sign({ ...claims, sub: "bad\u0000sub" }),
        "not.a.jwt",
      ];
      for (const token of bad) expect(await code(send(token)), token).to.deep.equal([401, "invalid_jwt"]);
    });

    it("caches the JWKS instead of fetching it per request", async () => {
      const before = jwks.hits;
      for (let i = 0; i < 5; i++) await send(await jwks.sign({ sub: "u", projectId: PROJECT.id })).expect(200);
      expect(jwks.hits - before).to.equal(0);
    });
  });

  describe("mode: jwt with an unreachable JWKS", () => {
    let c: TestCollector;
    before(async () => {
      c = await startCollector({ auth: { mode: "jwt", jwksUrl: "http://127.0.0.1:9/jwks.json", issuer: ISSUER, audience: AUDIENCE, timeoutMs: 500 } });
    });
    after(() => c.close());

    it("answers 503 jwks_unavailable, and stores nothing", async () => {
      const s = new SdkSession("nojwks");
      const res = await request(c.app)
        .post("/ingest")
        .set("authorization", `Bearer ${await jwks.sign({ sub: "u", projectId: PROJECT.id })}`)
        .send(s.payload([s.click(1, 1)]));
      expect(res.status).to.equal(503);
      expect(res.body.code).to.equal("jwks_unavailable");
      const events = await request(c.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
      expect(events.body.events).to.have.length(0);
    });
  });

  describe("mode: both", () => {
    let c: TestCollector;
    before(async () => {
      c = await startCollector({ auth: { mode: "both", jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE } });
    });
    after(() => c.close());
    const s = new SdkSession("both");
    const send = (key?: string, token?: string) => {
      let r = request(c.app).post("/ingest");
      if (key !== undefined) r = r.set("x-project-key", key);
      if (token !== undefined) r = r.set("authorization", `Bearer ${token}`);
      return r.send(s.payload([s.click(5, 5)], { id: "sdk-user" }));
    };

    it("needs a key; a JWT is optional, but verified when sent", async () => {
      expect((await send()).body.code).to.equal("missing_project_key");
      expect((await send(PROJECT.key)).status).to.equal(200);
      expect((await send(PROJECT.key, "garbage")).body.code).to.equal("invalid_jwt");
      const ok = await send(PROJECT.key, await jwks.sign({ sub: "jwt-user" })).expect(200);
      expect(ok.body.stored).to.equal(1);
      const sessions = await request(c.app).get(`/api/projects/${PROJECT.id}/sessions`).expect(200);
      expect(sessions.body.sessions[0].userId).to.equal("jwt-user");
    });
  });
});
