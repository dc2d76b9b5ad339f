import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import request from "supertest";
import { SqliteStorage } from "@m-software-engineering/heat-collector-storage-sqlite";
import { SdkSession } from "../helpers/sdk";
import { OTHER_PROJECT, PROJECT, startCollector, tempDir, type TestCollector } from "../helpers/collector";
import { onEveryStore } from "./on-every-store";

const run = promisify(execFile);
const ADMIN = "hr_test_admin_token_privacy_0000000000";
const DAY = 86_400_000;

onEveryStore("privacy: erasure, retention, project scoping", (adapter) => {
  let c: TestCollector;
  const now = Date.now();
  const alice = new SdkSession("alice", now - 3 * DAY);
  const bob = new SdkSession("bob", now - 40 * DAY);
  const otherAlice = new SdkSession("alice", now - 3 * DAY); // same session id, other project

  before(async () => {
    c = await startCollector({ storage: adapter(), queryAuth: { adminTokens: [ADMIN] } });
    const post = (key: string, body: object) => request(c.app).post("/ingest").set("x-project-key", key).send(body).expect(200);
    await post(PROJECT.key, alice.payload([alice.click(1, 1), alice.custom("a")], { id: "alice" }));
    await post(PROJECT.key, bob.payload([bob.click(2, 2), bob.click(3, 3)], { id: "bob" }));
    await post(OTHER_PROJECT.key, otherAlice.payload([otherAlice.click(4, 4)], { id: "alice" }));
  });
  after(() => c?.close());

  const admin = (r: request.Test) => r.set("authorization", `Bearer ${ADMIN}`);

  it("keeps two projects' sessions with the same id apart", async () => {
    const a = await admin(request(c.app).get(`/api/sessions/${alice.sessionId}?projectId=${PROJECT.id}`)).expect(200);
    const b = await admin(request(c.app).get(`/api/sessions/${alice.sessionId}?projectId=${OTHER_PROJECT.id}`)).expect(200);
    expect([a.body.session.eventCount, b.body.session.eventCount]).to.deep.equal([2, 1]);
    expect(b.body.events.map((e: { x: number }) => e.x)).to.deep.equal([4]);
  });

  it("erases one user's data in one project, through the API (admin token only)", async () => {
    const denied = await request(c.app).delete(`/api/projects/${PROJECT.id}/users/alice`);
    expect(denied.status).to.equal(401);
    const res = await admin(request(c.app).delete(`/api/projects/${PROJECT.id}/users/alice`)).expect(200);
    expect(res.body).to.deep.equal({ projectId: PROJECT.id, userId: "alice", erased: { events: 2, sessions: 1 } });
    const left = await admin(request(c.app).get(`/api/projects/${PROJECT.id}/events`)).expect(200);
    expect(left.body.events.map((e: { userId: string }) => e.userId)).to.deep.equal(["bob", "bob"]);
    const other = await admin(request(c.app).get(`/api/projects/${OTHER_PROJECT.id}/events`)).expect(200);
    expect(other.body.events).to.have.length(1);
  });

  it("purges events older than the retention period", async () => {
    const purged = await c.collector.kernel.storage.purgeBefore(now - 30 * DAY);
    expect(purged).to.deep.equal({ events: 2, sessions: 1 });
    const left = await admin(request(c.app).get(`/api/projects/${PROJECT.id}/sessions`)).expect(200);
    expect(left.body.sessions).to.deep.equal([]);
  });
});

describe("privacy: nothing identifying at rest (SQLite file bytes)", () => {
  let c: TestCollector;
  const tmp = tempDir();
  before(async () => {
    c = await startCollector({ storage: new SqliteStorage({ file: join(tmp.dir, "p.db") }), retention: { days: 30 } });
    c.app.set("trust proxy", true);
  });
  after(async () => {
    await c.close();
    tmp.cleanup();
  });

  it("stores neither the client IP nor keys in clear", async () => {
    const s = new SdkSession("ip");
    await request(c.app).post("/ingest").set("x-project-key", PROJECT.key).set("x-forwarded-for", "203.0.113.77").send(s.payload([s.click(1, 1)])).expect(200);
    await c.collector.kernel.storage.purgeBefore(0); // folds the rollup too, so it is on disk as well
    const bytes = readdirSync(tmp.dir)
      .filter((f) => f.startsWith("p.db"))
      .map((f) => readFileSync(join(tmp.dir, f)).toString("latin1"))
      .join("");
    expect(bytes).to.contain(s.sessionId);
    expect(bytes).not.to.contain("203.0.113.77");
    expect(bytes).not.to.contain(PROJECT.key);
  });

  it("the retention plugin purges old events at start", async () => {
    const old = new SdkSession("old", Date.now() - 90 * 86_400_000);
    const file = join(tmp.dir, "r.db");
    const first = await startCollector({ storage: new SqliteStorage({ file }) });
    await request(first.app).post("/ingest").set("x-project-key", PROJECT.key).send(old.payload([old.click(1, 1)])).expect(200);
    await first.close();
    const second = await startCollector({ storage: new SqliteStorage({ file }), retention: { days: 30 } });
    try {
      const events = await request(second.app).get(`/api/projects/${PROJECT.id}/events`).expect(200);
      expect(events.body.events).to.deep.equal([]);
    } finally {
      await second.close();
    }
  });
});

describe("CLI: heat-collector projects / erase-user / purge", () => {
  const tmp = tempDir();
  const env = { ...process.env, HEAT_DIALECT: "sqlite", SQLITE_FILE: join(tmp.dir, "cli.db") };
  const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, [require.resolve("@m-software-engineering/heat-collector/dist/bin/projects.js"), ...args], { env })).stdout);
  after(() => tmp.cleanup());

  it("creates a project whose key ingests; rotate --revoke retires the old key; revoke kills a read token", async () => {
    const created = await cli("projects", "create", "--id", "cli-site", "--name", "CLI site", "--origin", "https://cli.example");
    expect(created.project).to.include({ id: "cli-site", name: "CLI site" });
    expect(created.project.allowedOrigins).to.deep.equal(["https://cli.example"]);
    const rotated = await cli("projects", "rotate-key", "cli-site", "--revoke", created.ingestKey);
    expect(rotated.revokedOld).to.equal(true);
    await cli("projects", "revoke", created.readToken);

    const listed = await cli("projects", "list");
    expect(JSON.stringify(listed)).not.to.contain(created.ingestKey);
    expect(listed[0].secrets.filter((x: { revokedAt: number | null }) => x.revokedAt !== null)).to.have.length(2);

    const c = await startCollector({ db: { dialect: "sqlite", file: env.SQLITE_FILE }, projects: [], queryAuth: {} });
    try {
      const s = new SdkSession("cli");
      const old = await request(c.app).post("/ingest").set("x-project-key", created.ingestKey).send(s.payload([s.click(1, 1)]));
      expect([old.status, old.body.code]).to.deep.equal([401, "invalid_project_key"]);
      await request(c.app).post("/ingest").set("x-project-key", rotated.ingestKey).send(s.payload([s.click(1, 1)], { id: "u1" })).expect(200);
      const read = await request(c.app).get("/api/projects/cli-site/sessions").set("authorization", `Bearer ${created.readToken}`);
      expect([read.status, read.body.code]).to.deep.equal([401, "invalid_read_token"]);
    } finally {
      await c.close();
    }
    const erased = await cli("erase-user", "cli-site", "u1");
    expect(erased.erased).to.deep.equal({ events: 1, sessions: 1 });
    const purged = await cli("purge", "--days", "1");
    expect(purged.purged).to.deep.equal({ events: 0, sessions: 0 });
  });
});
