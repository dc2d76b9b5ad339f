import type { HeatAccumulator, PendingPeriod } from "./heat-accumulator";

/** One row a drain writes: a period's totals (tile = -1) or one of its tiles (a tileKey). */
export type DrainItem = readonly [PendingPeriod, number];
export const PERIOD_ROW = -1;

/**
 * A span's accumulator, frozen, being written to the rollup a slice at a time, so the writer never
 * pauses for a whole flush: each slice is a short transaction that also records how many rows are
 * written (`heat_fold_state.drained`). The rows are in one order fixed by their keys, so after a
 * crash the same accumulator, rebuilt from the events up to `upTo`, resumes where the last slice
 * left off and no count is added twice.
 */
export class HeatDrain {
  readonly items: DrainItem[] = [];
  /** How many events the frozen accumulator counted. */
  readonly events: number;
  next = 0;

  constructor(
    acc: HeatAccumulator,
    /** The span's fold position once the drain is written (the frozen events' highest seq). */
    readonly upTo: number,
  ) {
    this.events = acc.eventCount;
    // Ordered by `${dimKey}\u0000${t}`, as the stored `drained` counts of earlier versions assume.
    const periods: Array<[string, PendingPeriod]> = [];
    for (const byT of acc.periods.values()) for (const p of byT.values()) periods.push([`${p.dimKey}\u0000${p.t}`, p]);
    periods.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, p] of periods) {
      if (p.n === 0) continue; // events without samples (a move with no points) add nothing
      this.items.push([p, PERIOD_ROW]);
      for (const key of [...p.tiles.keys()].sort((a, b) => a - b)) this.items.push([p, key]);
    }
  }

  get done(): boolean {
    return this.next >= this.items.length;
  }
}
