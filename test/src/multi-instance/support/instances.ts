/** Parent side of the multi-instance suites: forks collector-process.js and talks HTTP to it. */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { InstanceConfig, InstanceMessage } from "./protocol";

const SCRIPT = join(__dirname, "collector-process.js");
const START_TIMEOUT_MS = 20_000;

export interface Instance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Asks the process to close its collector; resolves with its exit code once it has ended by itself. */
  close(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: no shutdown hook runs. Resolves once the process is gone. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export async function startInstance(name: string, config: InstanceConfig): Promise<Instance> {
  const child = fork(SCRIPT, [], { env: { ...process.env, HC_INSTANCE: JSON.stringify(config) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before listening`)));
    child.on("message", (m: InstanceMessage) => {
      clearTimeout(timer);
      if (m.type === "listening") resolve(m.port);
      else reject(new Error(`${name} failed to start: ${m.error}`));
    });
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    async close(timeoutMs = 10_000) {
      if (child.connected) child.send({ type: "close" });
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited(child);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One HTTP request to an instance; a connection that fails (a killed process) rejects. */
export async function call(instance: Instance, method: "GET" | "POST", path: string, options: { key?: string; body?: unknown } = {}): Promise<Reply> {
  const res = await fetch(instance.url + path, {
    method,
    headers: {
      ...(options.body !== undefined && { "content-type": "application/json" }),
      ...(options.key !== undefined && { "x-project-key": options.key }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
