/**
 * The fault suite with the JetStream buffer: two collector processes on one PostgreSQL database (behind
 * a TCP relay, so the 30 s outage is this suite's alone), one Redis and one NATS stream of their own,
 * under SDK-like load. The database goes away for 30 s under load; right after it returns, while the
 * writers work through the backlog, one instance (a writer mid-group) is killed with SIGKILL and started
 * again. Expected: no 5xx at all, and after the backlog drains exactly the acknowledged events stored,
 * none twice.
 */
import { randomBytes } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { OTHER_PROJECT, PROJECT } from "../helpers/collector";
import { requireService } from "../helpers/services";
import { admin, freshDatabase, PG_URL } from "../conformance/stores";
import type { InstanceConfig } from "../multi-instance/support/protocol";
import { outcomesOf, type LoadResult } from "./support/sdk-load";
import { expectExactlyAcknowledged, startPairUnderLoad, type PairUnderLoad } from "./support/pair-under-load";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy";

const NATS_URL = "nats://127.0.0.1:4222";
const OUTAGE_MS = 30_000;
const T0 = Date.UTC(2026, 10, 5, 9, 0, 0);

const reachable = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const s = tcpConnect(port, "127.0.0.1", () => {
      s.destroy();
      resolve();
    });
    s.on("error", reject);
  });

describe("fault suite with the JetStream buffer: a 30 s database outage under load and a writer killed mid-group", function () {
  this.timeout(300_000);
  const tag = randomBytes(5).toString("hex");
  const jetstream = { servers: NATS_URL, stream: `HC_FAULTS_${tag}`, subject: `hc.faults.${tag}`, durable: "writer", ackWaitMs: 3_000, retryDelayMs: 500 };
  let db: { url: string; drop(): Promise<void> } | undefined;
  let relay: TcpProxy | undefined;
  let pair: PairUnderLoad | undefined;
  let load: LoadResult;
  let drainedMs = 0;

  before(async function () {
    await requireService(this, "PostgreSQL", () => admin("pg", PG_URL, (run) => run("SELECT 1")));
    await requireService(this, "NATS (JetStream)", () => reachable(4222));
    db = await freshDatabase("pg", PG_URL, "hc_buffered");
    const u = new URL(db.url);
    relay = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
  });
  after(async () => {
    await relay?.up().catch(() => undefined);
    await Promise.all((pair?.instances ?? []).map((i) => i.close()));
    await relay?.close();
    await db?.drop();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(jetstream.stream).catch(() => undefined);
    await nc.close();
  });

  const config = (): InstanceConfig => ({
    dialect: "pg",
    connectionString: relay!.route(db!.url),
    rateLimit: false,
    projects: [PROJECT, OTHER_PROJECT],
    jetstream,
    storageTimeoutMs: 3_000,
  });

  async function backlog(): Promise<number> {
    const nc = await connect({ servers: NATS_URL });
    try {
      const info = await (await jetstreamManager(nc)).consumers.info(jetstream.stream, jetstream.durable);
      return info.num_pending + info.num_ack_pending;
    } finally {
      await nc.close();
    }
  }

  it("keeps answering 200 through the outage and the kill; the backlog drains after", async () => {
    pair = await startPairUnderLoad(["JA", "JB"], config(), 9, T0);
    const b = pair.instances[1]!;

    await sleep(3_000);
    await relay!.down();
    await sleep(OUTAGE_MS);
    await relay!.up();
    const upAt = Date.now();
    // The writers now work through 30 s of batches: kill one mid-group; its unacknowledged group is delivered again.
    await sleep(300);
    await b.kill();
    await pair.replace(b, "JB2");

    await sleep(3_000);
    load = await pair.finish();
    for (let left = await backlog(); left > 0; left = await backlog()) {
      expect(Date.now() - upAt, "backlog drained within 90 s of the database's return").to.be.below(90_000);
      await sleep(250);
    }
    drainedMs = Date.now() - upAt;

    const outcomes = outcomesOf(load.attempts);
    console.log(
      `      buffered fault suite figures: ${JSON.stringify({
        sent: load.sent,
        batches: load.batches,
        acknowledged: load.acknowledged.size,
        outcomes,
        outageMs: OUTAGE_MS,
        backlogDrainedAfterDbUpMs: drainedMs,
      })}`,
    );
    expect(load.unacknowledged).to.equal(0);
    const fivexx = Object.keys(outcomes).filter((o) => /^5/.test(o));
    expect(fivexx, "no 5xx at all").to.deep.equal([]);
    expect(outcomes.timeout ?? 0).to.equal(0);
  });

  it("the database holds exactly the acknowledged events, none twice", async () => {
    await expectExactlyAcknowledged(db!.url, load);
  });
});
