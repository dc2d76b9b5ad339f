// @ts-check
/**
 * The JetStream buffer on a three-node NATS cluster with `replicas: 3` losing a node under load
 * (issue 14 item 4; a script, not in CI). Starts three nats-server processes on loopback ports of
 * their own (one binary, a store directory each), one collector process (server kind `production`
 * with the buffer: replicas 3, every node listed) on a fresh PostgreSQL database, and SDK-like
 * browsers (src/sdk-browsers.mjs). Mid-load it kills the stream's leader with SIGKILL, later starts
 * it again; at the end it waits for the writers to empty the stream and checks that the database
 * holds exactly the acknowledged events. Prints what each phase answered as JSON.
 *
 *   node bench/src/jetstream-replicas.mjs   (needs nats-server ≥ 2.9 on PATH, or NATS_SERVER=<path>)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { PROJECT_ID, rootRequire, sleep } from "./common.mjs";
import { startServer } from "./processes.mjs";
import { connectAdmin, createDatabase, databaseUrl, dropDatabase } from "./server-stores.mjs";
import { runBrowsers } from "./sdk-browsers.mjs";

const { connect } = rootRequire("@nats-io/transport-node");
const { jetstreamManager } = rootRequire("@nats-io/jetstream");

const BIN = process.env.NATS_SERVER ?? "nats-server";
const BASE_PORT = 14_222 + Math.floor(Math.random() * 50) * 3;
const NODES = ["n1", "n2", "n3"].map((name, i) => ({ name, port: BASE_PORT + i, clusterPort: BASE_PORT + 2_000 + i }));
const ROUTES = NODES.map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(",");
const SERVERS = NODES.map((n) => `nats://127.0.0.1:${n.port}`);

/** @type {Map<string, import("node:child_process").ChildProcess>} */
const running = new Map();
const dir = mkdtempSync(join(tmpdir(), "hc-nats-cluster-"));

function startNode(/** @type {typeof NODES[number]} */ n) {
  const child = spawn(
    BIN,
    ["-a", "127.0.0.1", "-p", String(n.port), "-n", n.name, "-js", "-sd", join(dir, n.name), "--cluster_name", "hc", "--cluster", `nats://127.0.0.1:${n.clusterPort}`, "--routes", ROUTES],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr?.on("data", () => undefined);
  running.set(n.name, child);
}

function killNode(/** @type {string} */ name) {
  const child = running.get(name);
  running.delete(name);
  return new Promise((r) => {
    child?.once("exit", r);
    child?.kill("SIGKILL");
  });
}

/** Retries `fn` until it resolves (the cluster elects its meta leader a few seconds after start). */
async function eventually(/** @type {() => Promise<any>} */ fn, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(250);
    }
  }
}

async function main() {
  const tag = randomBytes(4).toString("hex");
  const stream = `HC_R3_${tag}`;
  const dbName = `hc_r3_${tag}`;
  let server;
  let nc;
  let jsm;
  try {
    for (const n of NODES) startNode(n);
    nc = await eventually(() => connect({ servers: SERVERS, maxReconnectAttempts: -1 }));
    // Ready once the cluster has elected its JetStream meta leader.
    jsm = await eventually(() => jetstreamManager(nc));
    await createDatabase("pg", dbName);
    server = await startServer("production", databaseUrl("pg", dbName), [], {
      env: {
        BENCH_RATE_LIMIT_PREFIX: `hc-r3:${tag}`,
        BENCH_JETSTREAM: JSON.stringify({ servers: SERVERS, stream, subject: `hc.r3.${tag}`, replicas: 3, ackWaitMs: 5_000 }),
      },
      heapMb: null,
    });
    const info = await jsm.streams.info(stream);
    const before = { replicas: info.config.num_replicas, leader: info.cluster?.leader, followers: info.cluster?.replicas?.map((r) => r.name) };

    /** @type {Record<string, Record<string, number>>} */
    const outcomes = { before: {}, "leader killed": {}, "node back": {}, finishing: {} };
    let phase = "before";
    let stop = () => undefined;
    const stopped = new Promise((/** @type {(v?: void) => void} */ r) => (stop = r));
    const t0 = Date.now();
    const load = runBrowsers(
      { browsers: 60, flushMs: 2_000, urls: [server.base], t0, onAttempt: (_m, outcome) => (outcomes[phase][String(outcome)] = (outcomes[phase][String(outcome)] ?? 0) + 1) },
      stopped,
      120_000,
    );
    await sleep(10_000);
    phase = "leader killed";
    const killed = String(before.leader);
    const killedAt = Date.now();
    await killNode(killed);
    const during = await eventually(async () => {
      const i = await jsm.streams.info(stream);
      if (!i.cluster?.leader || i.cluster.leader === killed) throw new Error("no new leader yet");
      return { leader: i.cluster.leader, electedAfterMs: Date.now() - killedAt, replicas: i.cluster.replicas?.map((r) => ({ name: r.name, current: r.current, offline: r.offline ?? false })) };
    });
    await sleep(15_000);
    phase = "node back";
    startNode(/** @type {typeof NODES[number]} */ (NODES.find((n) => n.name === killed)));
    const backAt = Date.now();
    const rejoined = await eventually(async () => {
      const i = await jsm.streams.info(stream);
      const r = i.cluster?.replicas?.find((x) => x.name === killed);
      if (!r?.current) throw new Error("not current yet");
      return { currentAfterMs: Date.now() - backAt, lag: r.lag ?? 0 };
    }, 60_000);
    await sleep(10_000);
    phase = "finishing";
    stop();
    const totals = await load;

    // The writers empty the stream; then the database must hold exactly the acknowledged events.
    const drained = await eventually(async () => {
      const c = await jsm.consumers.info(stream, "heat-writer");
      if (c.num_pending + c.num_ack_pending > 0) throw new Error("backlog");
      return true;
    }, 120_000);
    const db = await connectAdmin("pg", dbName);
    let check;
    try {
      await db.query("CREATE TEMPORARY TABLE acked (session_id text NOT NULL, event_id text NOT NULL)");
      for (const [s, e] of totals.ledger.slices()) await db.query("INSERT INTO acked SELECT * FROM unnest($1::text[], $2::text[])", [s, e]);
      const one = async (/** @type {string} */ sql) => Number((await db.query(sql, [PROJECT_ID]))[0].n);
      check = {
        stored: await one("SELECT count(*) AS n FROM events WHERE project_id = $1"),
        acknowledgedNotStored: await one(
          "SELECT count(*) AS n FROM acked a WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.project_id = $1 AND e.session_id = a.session_id AND e.event_id = a.event_id)",
        ),
        storedNotAcknowledged: await one(
          "SELECT count(*) AS n FROM events e WHERE e.project_id = $1 AND NOT EXISTS (SELECT 1 FROM acked a WHERE a.session_id = e.session_id AND a.event_id = e.event_id)",
        ),
      };
    } finally {
      await db.close();
    }
    const result = {
      nats: `${BIN}, 3 nodes on 127.0.0.1:${NODES.map((n) => n.port).join("/")}`,
      before,
      killed,
      after: during,
      rejoined,
      drained,
      outcomes,
      load: { batches: totals.batches, eventsSent: totals.sent, eventsAcknowledged: totals.acked, batchesUnacknowledged: totals.unacknowledged, retries: totals.retries },
      check,
      exact: check.acknowledgedNotStored === 0 && check.storedNotAcknowledged === 0 && check.stored === totals.acked,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await server?.stop();
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close().catch(() => undefined);
    for (const name of [...running.keys()]) await killNode(name);
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase("pg", dbName);
  }
}

await main();
