import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
  });
}

export interface RunningExample {
  /** http://127.0.0.1:<port> */
  base: string;
  /** Everything the process printed on stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node <script> [args]` as a user would (`npm start` of an example), on a free port given as PORT,
 * and resolves once it prints "listening on". Fails with its output when it exits or stays silent.
 */
export async function startExample(script: string, env: Record<string, string>, options: { cwd?: string; timeoutMs?: number; args?: string[] } = {}): Promise<RunningExample> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!stdout.includes("listening on")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${script} did not start (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    output: () => stdout,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
