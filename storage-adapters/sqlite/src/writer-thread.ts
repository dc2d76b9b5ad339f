/**
 * Entry point of the writer thread: owns a SqliteWriter and answers the HTTP thread's requests.
 * Every `write` request that arrived while the writer was busy goes into one transaction.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SqliteWriter, type WriterOp } from "./writer";
import type { WriterReply, WriterRequest, WriterThreadData } from "./writer-link";

if (!parentPort) throw new Error("writer-thread.js runs as a worker thread");
const port = parentPort;
const data = workerData as WriterThreadData;
const writer = new SqliteWriter(data.file, data.rageClicks);
const queue: WriterRequest[] = [];
let scheduled = false;
let pumping = false;

const failure = (id: number, err: unknown): WriterReply => {
  const e = err instanceof Error ? err : new Error(String(err));
  return { id, ok: false, error: { name: e.name, message: e.message, stack: e.stack ?? "" } };
};

/** Answers everything queued, in order; consecutive writes share one commit. */
function drain(): void {
  scheduled = false;
  const items = queue.splice(0);
  for (let i = 0; i < items.length; ) {
    const first = items[i]!;
    if (first.op === "write") {
      let j = i;
      while (j < items.length && items[j]!.op === "write") j++;
      const group = items.slice(i, j);
      try {
        const outcomes = writer.writeMany(group.map((r) => r.arg as Parameters<SqliteWriter["writeMany"]>[0][number]));
        outcomes.forEach((o, k) => port.postMessage(o instanceof Error ? failure(group[k]!.id, o) : ({ id: group[k]!.id, ok: true, value: o } satisfies WriterReply)));
      } catch (err) {
        for (const r of group) port.postMessage(failure(r.id, err));
      }
      try {
        writer.afterWrites(); // once the group is answered: a WAL restart delays only what queued since
      } catch {
        // Left for the next commit; a rollup read folds first and reports the error to its caller.
      }
      i = j;
      pumpDrains();
    } else {
      try {
        const value = writer.run(first.op as Exclude<WriterOp, "write">, first.arg as never);
        port.postMessage({ id: first.id, ok: true, value } satisfies WriterReply);
      } catch (err) {
        port.postMessage(failure(first.id, err));
      }
      if (first.op === "close") clearInterval(timer);
      i++;
    }
  }
}

/** One slice of rollup drain work per turn of the event loop, after the writes that queued. */
function pumpDrains(): void {
  if (pumping) return;
  pumping = true;
  setImmediate(() => {
    pumping = false;
    try {
      if (writer.drainSlice()) pumpDrains();
    } catch {
      // Left for the next timer tick; a rollup read folds first and reports the error to its caller.
    }
  });
}

port.on("message", (req: WriterRequest) => {
  queue.push(req);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});

const timer = setInterval(() => {
  try {
    writer.freezeNextSpan();
    pumpDrains();
  } catch {
    // Left for the next tick; a rollup read folds first and reports the error to its caller.
  }
}, data.rollupIntervalMs / 3);
timer.unref();
