import type { EventType, RollupSpan } from "@m-software-engineering/heat-collector-kernel";
// The grid module alone: this file runs on the writer thread (see heat-tiles.ts).
import { periodIndex, periodStart } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
import { cellIndex, TILE_CELLS, tileKey } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";

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
  /** Pending periods by dimension key, then by period index: no key string built per event. */
  readonly periods = new Map<string, Map<number, PendingPeriod>>();
  /** Dense tiles held, a measure of the memory and of the next flush's work. */
  tileCount = 0;
  eventCount = 0;
  /** Highest events.seq added since the last clear(); its fold position once flushed. */
  maxSeq = 0;
  /** The last period looked up, [from, to) in ms: events arrive in runs of one period. */
  private lastPeriod = { from: 0, to: 0, t: 0 };

  constructor(readonly span: RollupSpan) {}

  private periodOf(ts: number): number {
    const last = this.lastPeriod;
    if (ts >= last.from && ts < last.to) return last.t;
    const t = periodIndex(this.span, ts);
    this.lastPeriod = { from: periodStart(this.span, t), to: periodStart(this.span, t + 1), t };
    return t;
  }

  /**
   * Counts one event: its samples are the (gx, gy) pairs `from` to `to` (exclusive) of `samples`,
   * as toWriterBatch extracted them. `dim` is copied when it opens a period, never kept.
   */
  addSamples(dim: HeatDim, dimKey: string, ts: number, seq: number, samples: Int32Array | readonly number[], from: number, to: number): void {
    const t = this.periodOf(ts);
    let byT = this.periods.get(dimKey);
    if (!byT) {
      byT = new Map();
      this.periods.set(dimKey, byT);
    }
    let period = byT.get(t);
    if (!period) {
      period = { dimKey, dim: { projectId: dim.projectId, page: dim.page, bucket: dim.bucket, type: dim.type }, span: this.span, t, n: 0, maxGy: 0, tiles: new Map() };
      byT.set(t, period);
    }
    // A trail's points mostly fall in the tile of the point before.
    let lastKey = -1;
    let tile: Uint32Array | undefined;
    let maxGy = period.maxGy;
    for (let i = from; i < to; i++) {
      const gx = samples[2 * i]!;
      const gy = samples[2 * i + 1]!;
      const tk = tileKey(gx, gy);
      if (tk !== lastKey) {
        tile = period.tiles.get(tk);
        if (!tile) {
          tile = new Uint32Array(TILE_CELLS);
          period.tiles.set(tk, tile);
          this.tileCount++;
        }
        lastKey = tk;
      }
      tile![cellIndex(gx, gy)]!++;
      if (gy > maxGy) maxGy = gy;
    }
    period.maxGy = maxGy;
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
