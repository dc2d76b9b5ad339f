import { yieldToEventLoop } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-sum";

/**
 * Long synchronous loops of the background fold, cut into slices: the fold shares the event loop
 * with ingest and reads, and a fold's JS (decoding ~1 s of journal, merging thousands of tiles)
 * ran as blocks of tens of milliseconds that every request in flight waited behind.
 */
export class TimeSlices {
  private sliceStart = performance.now();

  constructor(private readonly budgetMs = 4) {}

  /** Whether this slice has used its budget (checked in the loop, so most iterations pay no await). */
  due(): boolean {
    return performance.now() - this.sliceStart >= this.budgetMs;
  }

  /** Gives queued I/O callbacks a turn, then starts a new slice. */
  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.sliceStart = performance.now();
  }
}
