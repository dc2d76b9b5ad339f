/** Restarts the local PostgreSQL 15 cluster (root, Debian's pg_ctlcluster), as an outage every session of it sees. */
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const PG_CTLCLUSTER = "/usr/bin/pg_ctlcluster";

export async function canRestartPostgres(): Promise<void> {
  await access(PG_CTLCLUSTER);
  if (process.getuid?.() !== 0) throw new Error("restarting PostgreSQL needs root");
}

/** Resolves once the cluster accepts connections again; returns when it went down and came back. */
export async function restartPostgres(): Promise<{ startedAt: number; upAt: number }> {
  const startedAt = Date.now();
  await run(PG_CTLCLUSTER, ["--skip-systemctl-redirect", "15", "main", "restart"], { timeout: 60_000 });
  return { startedAt, upAt: Date.now() };
}
