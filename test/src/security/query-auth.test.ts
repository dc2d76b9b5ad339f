import { expect } from "chai";
import request from "supertest";
import { SdkSession } from "../helpers/sdk";
import { AUDIENCE, ISSUER, startJwksServer, type JwksServer } from "../helpers/jwks";
import { OTHER_PROJECT, PROJECT, startCollector, type TestCollector } from "../helpers/collector";

const READ_A = "hr_test_read_token_shop_000000000000";
const READ_B = "hr_test_read_token_blog_000000000000";
const ADMIN = "hr_test_admin_token_00000000000000000";

describe("authenticated reads (plugins/query-auth)", () => {
  let c: TestCollector;
  let jwks: JwksServer;
  // The same session id in two projects: they must never mix.
  const a = new SdkSession("shared");
  const b = new SdkSession("shared");

  before(async () => {
    jwks = await startJwksServer();
    c = await startCollector({
      projects: [{ ...PROJECT, readTokens: [READ_A] }, { ...OTHER_PROJECT, readTokens: [READ_B] }],
      queryAuth: { adminTokens: [ADMIN], jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE } },
    });
    await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).send(a.payload([a.click(1, 1), a.click(2, 2)], { id: "alice" })).expect(200);
    await request(c.app).post("/ingest").set("x-project-key", OTHER_PROJECT.key).send(b.payload([b.click(9, 9)], { id: "bob" })).expect(200);
  });
  after(async () => {
    await c.close();
    await jwks.close();
  });

  const get = (path: string, token?: string) => {
    const r = request(c.app).get(path);
    return token === undefined ? r : r.set("authorization", `Bearer ${token}`);
  };

  it("refuses reads without a token, or with an unknown one", async () => {
    const none = await get(`/api/projects/${PROJECT.id}/sessions`);
    expect([none.status, none.body.code]).to.deep.equal([401, "missing_read_token"]);
    const bad = await get(`/api/projects/${PROJECT.id}/sessions`, "hr_nope");
    expect([bad.status, bad.body.code]).to.deep.equal([401, "invalid_read_token"]);
    const ingestKey = await get(`/api/projects/${PROJECT.id}/sessions`, PROJECT.key);
    expect([ingestKey.status, ingestKey.body.code]).to.deep.equal([401, "invalid_read_token"]);
  });

  it("a project's token reads that project, and gets 404 on every endpoint of another", async () => {
    for (const ep of ["heatmap", "sessions", "events"]) {
      await get(`/api/projects/${PROJECT.id}/${ep}`, READ_A).expect(200);
      const other = await get(`/api/projects/${OTHER_PROJECT.id}/${ep}`, READ_A);
      expect([other.status, other.body.code]).to.deep.equal([404, "not_found"]);
    }
  });

  it("GET /api/sessions/:id is scoped: each token sees only its project's session of that id", async () => {
    const ra = await get(`/api/sessions/${a.sessionId}`, READ_A).expect(200);
    expect(ra.body.session).to.include({ projectId: PROJECT.id, userId: "alice", eventCount: 2 });
    expect(ra.body.events).to.have.length(2);
    const rb = await get(`/api/sessions/${b.sessionId}`, READ_B).expect(200);
    expect(rb.body.session).to.include({ projectId: OTHER_PROJECT.id, userId: "bob", eventCount: 1 });
    expect(rb.body.events.map((e: { x: number }) => e.x)).to.deep.equal([9]);
    const wrong = await get(`/api/sessions/${b.sessionId}?projectId=${OTHER_PROJECT.id}`, READ_A);
    expect(wrong.status).to.equal(404);
  });

  it("an admin token reads everything, and must name the project when a session id is shared", async () => {
    const ambiguous = await get(`/api/sessions/${a.sessionId}`, ADMIN);
    expect([ambiguous.status, ambiguous.body.code]).to.deep.equal([400, "invalid_query"]);
    await get(`/api/sessions/${a.sessionId}?projectId=${OTHER_PROJECT.id}`, ADMIN).expect(200);
    await get("/api/metrics", ADMIN).expect(200);
    const metrics = await get("/api/metrics", READ_A);
    expect([metrics.status, metrics.body.code]).to.deep.equal([403, "forbidden"]);
  });

  it("a JWT reads the projects its heat_projects claim lists", async () => {
    const token = await jwks.sign({ sub: "analyst", heat_projects: [OTHER_PROJECT.id] });
    await get(`/api/projects/${OTHER_PROJECT.id}/sessions`, token).expect(200);
    expect((await get(`/api/projects/${PROJECT.id}/sessions`, token)).status).to.equal(404);
    const noClaim = await get(`/api/projects/${PROJECT.id}/sessions`, await jwks.sign({ sub: "x" }));
    expect([noClaim.status, noClaim.body.code]).to.deep.equal([403, "forbidden"]);
    const expired = await get(`/api/projects/${PROJECT.id}/sessions`, await jwks.sign({ heat_projects: "*" }, { expiresIn: 1 }));
    expect(expired.status).to.equal(401);
  });

  it("a revoked read token stops working at once", async () => {
    const token = await c.collector.projects.issueSecret(PROJECT.id, "read");
    await get(`/api/projects/${PROJECT.id}/sessions`, token).expect(200);
    expect(await c.collector.projects.revokeSecret(token)).to.equal(true);
    const after = await get(`/api/projects/${PROJECT.id}/sessions`, token);
    expect([after.status, after.body.code]).to.deep.equal([401, "invalid_read_token"]);
  });
});
