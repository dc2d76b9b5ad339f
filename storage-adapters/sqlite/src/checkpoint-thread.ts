/**
 * Entry point of the checkpoint thread: copies committed WAL frames back into the database file
 * (PASSIVE checkpoints, which never block the writer), so that the copy and its two fsyncs are
 * not paid inside the writer's transactions. A synchronous loop: it sleeps on the shared state
 * with Atomics.wait, so a stop request wakes it at once.
 */
import { workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { CHECKPOINT_SLOT, type CheckpointThreadData } from "./checkpointer";

const { file, state } = workerData as CheckpointThreadData;
const slots = new Int32Array(state);
/** Between checkpoints while frames are arriving, and while nothing is written. */
const BUSY_MS = 25;
const IDLE_MS = 250;

const db = new Database(file);
db.pragma("busy_timeout = 5000");
// Checkpoints sync the WAL before copying and the database after: NORMAL's guarantee.
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 0");
try {
  let lastFrames = -1;
  while (Atomics.load(slots, CHECKPOINT_SLOT.stop) === 0) {
    let frames = lastFrames;
    const wake = Atomics.load(slots, CHECKPOINT_SLOT.wake);
    Atomics.store(slots, CHECKPOINT_SLOT.copying, 1);
    try {
      const [r] = db.pragma("wal_checkpoint(PASSIVE)") as Array<{ busy: number; log: number; checkpointed: number }>;
      frames = r!.log;
      Atomics.store(slots, CHECKPOINT_SLOT.walFrames, frames);
    } catch {
      // Busy (the writer is restarting the WAL): try again next round.
    } finally {
      Atomics.store(slots, CHECKPOINT_SLOT.copying, 0);
      Atomics.add(slots, CHECKPOINT_SLOT.passes, 1);
    }
    // Sleeps until the interval is up, or the writer asks for a pass now (or stop) by bumping `wake`;
    // while the writer restarts the WAL after this pass, until it says it is done.
    const hold = Atomics.load(slots, CHECKPOINT_SLOT.holdAfter);
    if (hold !== 0 && Atomics.load(slots, CHECKPOINT_SLOT.passes) >= hold) {
      while (Atomics.load(slots, CHECKPOINT_SLOT.holdAfter) === hold && Atomics.load(slots, CHECKPOINT_SLOT.stop) === 0) {
        Atomics.wait(slots, CHECKPOINT_SLOT.holdAfter, hold, IDLE_MS);
      }
    } else {
      Atomics.wait(slots, CHECKPOINT_SLOT.wake, wake, frames !== lastFrames ? BUSY_MS : IDLE_MS);
    }
    lastFrames = frames;
  }
} finally {
  db.close();
  Atomics.store(slots, CHECKPOINT_SLOT.closed, 1);
  Atomics.notify(slots, CHECKPOINT_SLOT.closed);
}
