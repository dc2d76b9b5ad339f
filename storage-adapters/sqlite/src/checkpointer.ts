import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

/** Int32 slots of the state the writer and the checkpoint thread share. */
export const CHECKPOINT_SLOT = { stop: 0, closed: 1, walFrames: 2, copying: 3, passes: 4, wake: 5, holdAfter: 6 } as const;
export interface CheckpointThreadData {
  file: string;
  state: SharedArrayBuffer;
}

/**
 * Past this many WAL frames (64 MB of 4 KB pages), the writer restarts the WAL itself. PASSIVE
 * checkpoints copy every frame, but the WAL only starts over when a write begins with all of it
 * copied, which a writer that is never idle does not give them. The restart copies (and syncs)
 * what no pass has copied yet, ~25 µs a frame, so the writer first wakes the checkpoint thread and
 * restarts right after that pass: what is left is what was committed while it ran.
 */
const RESTART_FRAMES = 16_384;
const STOP_WAIT_MS = 10_000;

/**
 * The writer's side of the checkpoint thread (checkpoint-thread.ts). The writing connection never
 * checkpoints on its own (wal_autocheckpoint = 0): before, every ~10,000 pages one commit paid
 * for copying them back and for two fsyncs, a pause of up to ~150 ms for every batch in it.
 */
export class Checkpointer {
  private readonly slots = new Int32Array(new SharedArrayBuffer(7 * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  /** The pass count after which the requested WAL restart runs, while one is requested. */
  private restartAfterPass: number | undefined;

  constructor(
    private readonly db: Database.Database,
    file: string,
  ) {
    db.pragma("wal_autocheckpoint = 0");
    // The thread needs no heap to speak of: keep its isolate small.
    this.worker = new Worker(join(__dirname, "checkpoint-thread.js"), {
      workerData: { file, state: this.slots.buffer } satisfies CheckpointThreadData,
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
    this.worker.unref();
  }

  /**
   * After a commit: once the WAL has grown past RESTART_FRAMES, asks the checkpoint thread for a
   * pass at once, and restarts the WAL after the first commit that follows it (never waiting).
   */
  afterCommit(): void {
    if (this.restartAfterPass === undefined) {
      if (Atomics.load(this.slots, CHECKPOINT_SLOT.walFrames) < RESTART_FRAMES) return;
      // A pass under way started before this request: the one after it is the one to wait for.
      const copying = Atomics.load(this.slots, CHECKPOINT_SLOT.copying) === 1;
      this.restartAfterPass = Atomics.load(this.slots, CHECKPOINT_SLOT.passes) + (copying ? 2 : 1);
      // ...and the thread starts no pass after it until the restart is done: a pass that overlaps
      // the restart makes it wait in SQLite's busy handler (sleeps of 1, 2, 5, 10… ms), which
      // doubled the restart's pause (p50 16 → 32 ms).
      Atomics.store(this.slots, CHECKPOINT_SLOT.holdAfter, this.restartAfterPass);
      this.wake();
      return;
    }
    if (Atomics.load(this.slots, CHECKPOINT_SLOT.copying) === 1 || Atomics.load(this.slots, CHECKPOINT_SLOT.passes) < this.restartAfterPass) return;
    this.restartAfterPass = undefined;
    try {
      // The WAL may have started over on its own meanwhile (a write began with every frame copied).
      if (Atomics.load(this.slots, CHECKPOINT_SLOT.walFrames) < RESTART_FRAMES) return;
      const [r] = this.db.pragma("wal_checkpoint(RESTART)") as Array<{ busy: number; log: number }>;
      if (r!.busy === 0) Atomics.store(this.slots, CHECKPOINT_SLOT.walFrames, 0);
    } finally {
      this.release();
    }
  }

  /** Lets the checkpoint thread run passes again. */
  private release(): void {
    Atomics.store(this.slots, CHECKPOINT_SLOT.holdAfter, 0);
    Atomics.notify(this.slots, CHECKPOINT_SLOT.holdAfter);
  }

  private wake(): void {
    Atomics.add(this.slots, CHECKPOINT_SLOT.wake, 1);
    Atomics.notify(this.slots, CHECKPOINT_SLOT.wake);
  }

  /** Stops the thread and waits (synchronously) until its connection is closed. */
  stop(): void {
    Atomics.store(this.slots, CHECKPOINT_SLOT.stop, 1);
    this.release();
    this.wake();
    Atomics.wait(this.slots, CHECKPOINT_SLOT.closed, 0, STOP_WAIT_MS);
  }
}
