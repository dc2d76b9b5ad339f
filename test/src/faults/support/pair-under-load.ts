/** Shared steps of the fault suites: two forked collectors under SDK-like load, and the final database check. */
import { expect } from "chai";
import { PROJECT } from "../../helpers/collector";
import { admin } from "../../conformance/stores";
import { startInstance, type Instance } from "../../multi-instance/support/instances";
import type { InstanceConfig } from "../../multi-instance/support/protocol";
import { runSdkLoad, type LoadResult } from "./sdk-load";

export interface PairUnderLoad {
  /** The live instances (a restarted one replaces the one it follows). */
  readonly instances: Instance[];
  /** Starts `name` with the same config in place of `old`; the load sends to it from then on. */
  replace(old: Instance, name: string): Promise<Instance>;
  /** Stops the load; resolves once every client's last batch is acknowledged (or given up on). */
  finish(): Promise<LoadResult>;
}

/** Two instances on `config`, and 12 SDK-like browsers (addresses 127.0.`subnet`.x) posting round-robin to them. */
export async function startPairUnderLoad(names: [string, string], config: InstanceConfig, subnet: number, t0: number): Promise<PairUnderLoad> {
  const instances = await Promise.all(names.map((name) => startInstance(name, config)));
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const running = runSdkLoad({ clients: 12, key: PROJECT.key, urls: () => instances.map((i) => i.url), intervalMs: 400, subnet, t0 }, stopped, 60_000);
  return {
    instances,
    async replace(old, name) {
      const next = await startInstance(name, config);
      instances.splice(instances.indexOf(old), 1, next);
      return next;
    },
    finish() {
      stop();
      return running;
    },
  };
}

/** The database of `dbUrl` holds exactly the acknowledged events of the load, none twice, and session counts agree. */
export async function expectExactlyAcknowledged(dbUrl: string, load: LoadResult): Promise<void> {
  const rows = await admin("pg", dbUrl, (run) => run(`SELECT session_id, event_id FROM events WHERE project_id = '${PROJECT.id}'`));
  const stored = rows.map((r) => `${String(r.session_id)}/${String(r.event_id)}`);
  expect(new Set(stored).size, "an event stored twice").to.equal(stored.length);
  expect(stored.length).to.equal(load.sent);
  expect(new Set(stored)).to.deep.equal(load.acknowledged);
  const [sessions] = await admin("pg", dbUrl, (run) => run(`SELECT SUM(event_count) AS n FROM sessions WHERE project_id = '${PROJECT.id}'`));
  expect(Number(sessions!.n), "session event counts").to.equal(load.sent);
}
