import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import type { WriterOp, WriterOps } from "./writer";

export interface WriterThreadData {
  file: string;
  rollupIntervalMs: number;
  rageClicks: RageClickRule;
}
export interface WriterRequest {
  id: number;
  op: WriterOp;
  arg: unknown;
}
export type WriterReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; stack: string } };

/**
 * The HTTP thread's side of the writer thread: one request per call, answered in order. The
 * thread keeps the process alive only while a call is outstanding, like a socket would.
 */
export class WriterLink {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dead: Error | undefined;

  constructor(data: WriterThreadData) {
    // The writer's garbage is short-lived (cloned batches, encoded tiles): a small young generation
    // keeps its heap from growing (peak RSS during heatmaps at 1M events 248 -> 214 MB).
    this.worker = new Worker(join(__dirname, "writer-thread.js"), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.unref();
    this.worker.on("message", (reply: WriterReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) p.resolve(reply.value);
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
    });
    const fail = (err: Error) => {
      this.dead = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
  }

  call<K extends WriterOp>(op: K, arg: WriterOps[K][0]): Promise<WriterOps[K][1]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<WriterOps[K][1]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, op, arg } satisfies WriterRequest);
    });
  }

  /** Folds, closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.dead) return;
    await this.call("close", null);
    await this.worker.terminate();
  }
}
