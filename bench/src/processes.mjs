// @ts-check
/**
 * Server processes under test: starting one (server.mjs in a child process), its peak resident
 * memory, and the CPU time a process (or a database server's processes) uses, all read from /proc.
 */
import { fork } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, rssOf, sleep } from "./common.mjs";

/** @typedef {"ours" | "production" | "baseline" | "bare"} Kind */
/** @typedef {{ kind: Kind, port: number, pid: number, base: string, stop: () => Promise<void> }} Server */

let nextPort = 3400 + Math.floor(Math.random() * 400);

/**
 * The old-space limit a server runs with: 16,384 MB for every system, so 0.3.7's large heatmaps fit
 * (at 1M rows it holds ~3 GB) and ours grows its heap as under Node's own default (~4 GB here: V8
 * grows both by the same factor). BENCH_OURS_HEAP_MB sets ours' alone ("node": Node's default), to
 * measure README's bounded-heap deployment (`--max-old-space-size=512`).
 * @param {Kind} kind
 * @returns {number | null}
 */
export function defaultHeapMb(kind) {
  const override = process.env.BENCH_OURS_HEAP_MB;
  if (kind === "baseline" || override === undefined) return 16384;
  return override === "node" ? null : Number(override);
}

/**
 * Starts `server.mjs <kind> <port> <target>` (target: a SQLite file or a postgres:// / mysql:// URL).
 * Rejects with the server's own error message when it fails before listening.
 * @param {Kind} kind
 * @param {string} target
 * @param {string[]} [execArgv] extra node flags (e.g. --cpu-prof)
 * @param {{ env?: Record<string, string>, heapMb?: number | null }} [opts] `env`: added to this process's;
 * `heapMb`: V8's old-space limit (default: `defaultHeapMb(kind)`; null: Node's own default)
 * @returns {Promise<Server>}
 */
export async function startServer(kind, target, execArgv = [], { env = {}, heapMb = defaultHeapMb(kind) } = {}) {
  const port = nextPort++;
  const child = fork(join(BENCH_DIR, "src", "server.mjs"), [kind, String(port), target], {
    execArgv: [...(heapMb === null ? [] : [`--max-old-space-size=${heapMb}`]), ...execArgv],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise((resolve, reject) => {
    child.once("message", (/** @type {{ ready?: boolean, error?: string }} */ m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    child.once("exit", (code) => reject(new Error(`${kind} server exited (${code}) before listening`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  return {
    kind,
    port,
    pid: /** @type {number} */ (child.pid),
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(60_000)]);
    },
  };
}

/** Resets the kernel's peak-RSS counter of a process (Linux: clear_refs 5). */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    /* not Linux or not permitted: the peak then includes start-up */
  }
}

/** Polls RSS every 50 ms (as well as VmHWM) so a peak is caught even where clear_refs is refused.
 * Returns a function that stops watching and gives the peak in MB. */
export function watchRss(pid) {
  resetPeak(pid);
  let peak = rssOf(pid).rss;
  const t = setInterval(() => (peak = Math.max(peak, rssOf(pid).rss)), 50);
  return () => {
    clearInterval(t);
    return Math.round(Math.max(peak, rssOf(pid).hwm));
  };
}

// ---------------------------------------------------------------- CPU time from /proc

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux build in use). */
const TICKS = 100;

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces), or null if gone. */
function statFields(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return { comm: s.slice(s.indexOf("(") + 1, s.lastIndexOf(")")), f: s.slice(s.lastIndexOf(")") + 2).split(" ") };
  } catch {
    return null;
  }
}

/** CPU seconds a process has used so far, all its threads (utime + stime). */
export function cpuSecondsOf(pid) {
  const s = statFields(pid);
  // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  return s ? (Number(s.f[11]) + Number(s.f[12])) / TICKS : 0;
}

/** Every live process as { pid, ppid, comm }. */
function processes() {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = statFields(name);
    if (s) out.push({ pid: Number(name), ppid: Number(s.f[1]), comm: s.comm });
  }
  return out;
}

/**
 * CPU seconds used so far by a database server: the process named `comm` whose parent is not also
 * so named (PostgreSQL's postmaster, or mariadbd) with the children it has reaped (cutime + cstime),
 * plus its live children (PostgreSQL's backends and helpers). Differences of two readings give the
 * CPU time of the whole server across a window, backends that exited meanwhile included.
 * @param {string[]} names process names of the server, e.g. ["postgres"] or ["mariadbd", "mysqld"]
 */
export function serverCpuSeconds(names) {
  const all = processes();
  const roots = all.filter((p) => names.includes(p.comm) && !all.some((q) => q.pid === p.ppid && names.includes(q.comm)));
  let total = 0;
  for (const root of roots) {
    const s = statFields(root.pid);
    if (s) total += (Number(s.f[11]) + Number(s.f[12]) + Number(s.f[13]) + Number(s.f[14])) / TICKS;
    for (const child of all) if (child.ppid === root.pid) total += cpuSecondsOf(child.pid);
  }
  return total;
}
