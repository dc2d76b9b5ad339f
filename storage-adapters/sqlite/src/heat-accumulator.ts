import type { EventType, RollupSpan } from "@m-software-engineering/heat-collector-kernel";
// The grid module alone: this file runs on the writer thread (see heat-tiles.ts).
import { periodIndex } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
import { cellIndex, TILE_CELLS, tileKey } from "./tile-codec";

/** What a heat tile row is keyed by, before the dimension gets its integer id. */
export interface HeatDim {
  projectId: string;
  page: string;
  bucket: string;
  type: EventType;
}

/** The samples of one dimension in one period (hour, day or month) not yet in the database. */
export interface PendingPeriod {
  dimKey: string;
  dim: HeatDim;
  span: RollupSpan;
  t: number;
  n: number;
  maxGy: number;
  /** Dense counts per tile (see tileKey). */
  tiles: Map<number, Uint32Array>;
}

export const dimKeyOf = (d: HeatDim): string => `${d.projectId}\u0000${d.page}\u0000${d.bucket}\u0000${d.type}`;

/**
 * Rollup increments of committed events for one span (hours, days or months), aggregated in
 * memory per tile until that span's next flush: a hot cell hit a thousand times between flushes
 * costs one array increment each time and one row write in the end, instead of a thousand upserts.
 */
export class HeatAccumulator {
  readonly periods = new Map<string, PendingPeriod>();
  /** Dense tiles held, a measure of the memory and of the next flush's work. */
  tileCount = 0;
  eventCount = 0;
  /** Highest events.seq added since the last clear(); its fold position once flushed. */
  maxSeq = 0;

  constructor(readonly span: RollupSpan) {}

  /**
   * Counts one event: its samples are the (gx, gy) pairs `from` to `to` (exclusive) of `samples`,
   * as toWriterBatch extracted them. `dim` is copied when it opens a period, never kept.
   */
  addSamples(dim: HeatDim, dimKey: string, ts: number, seq: number, samples: Int32Array | readonly number[], from: number, to: number): void {
    const t = periodIndex(this.span, ts);
    const key = `${dimKey}\u0000${t}`;
    let period = this.periods.get(key);
    if (!period) {
      period = { dimKey, dim: { projectId: dim.projectId, page: dim.page, bucket: dim.bucket, type: dim.type }, span: this.span, t, n: 0, maxGy: 0, tiles: new Map() };
      this.periods.set(key, period);
    }
    for (let i = from; i < to; i++) {
      const gx = samples[2 * i]!;
      const gy = samples[2 * i + 1]!;
      const tk = tileKey(gx, gy);
      let tile = period.tiles.get(tk);
      if (!tile) {
        tile = new Uint32Array(TILE_CELLS);
        period.tiles.set(tk, tile);
        this.tileCount++;
      }
      tile[cellIndex(gx, gy)]!++;
      if (gy > period.maxGy) period.maxGy = gy;
    }
    period.n += to - from;
    this.eventCount++;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  clear(): void {
    this.periods.clear();
    this.tileCount = 0;
    this.eventCount = 0;
    this.maxSeq = 0;
  }
}
