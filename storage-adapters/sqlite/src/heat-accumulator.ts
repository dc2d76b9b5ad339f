import type { EventType, RollupSpan, StoredEvent } from "@m-software-engineering/heat-collector-kernel";
// The grid module alone: this file runs on the writer thread (see heat-tiles.ts).
import { forEachSample, periodIndex, ROLLUP_SPANS } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
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
 * Rollup increments of committed events, aggregated in memory per tile until the next flush: a
 * hot cell hit a thousand times between flushes costs one array increment each time and one row
 * write in the end, instead of a thousand SQL upserts.
 */
export class HeatAccumulator {
  readonly periods = new Map<string, PendingPeriod>();
  /** Dense tiles held, a measure of the memory and of the next flush's work. */
  tileCount = 0;
  eventCount = 0;
  /** Highest events.seq added; the fold position once flushed. */
  maxSeq = 0;

  add(e: StoredEvent, seq: number): void {
    const dimKey = dimKeyOf(e);
    const spans: PendingPeriod[] = [];
    for (const span of ROLLUP_SPANS) {
      const t = periodIndex(span, e.ts);
      const key = `${dimKey}\u0000${span}${t}`;
      let p = this.periods.get(key);
      if (!p) {
        p = { dimKey, dim: { projectId: e.projectId, page: e.page, bucket: e.bucket, type: e.type }, span, t, n: 0, maxGy: 0, tiles: new Map() };
        this.periods.set(key, p);
      }
      spans.push(p);
    }
    forEachSample(e, (gx, gy) => {
      const tk = tileKey(gx, gy);
      const ci = cellIndex(gx, gy);
      for (const p of spans) {
        let tile = p.tiles.get(tk);
        if (!tile) {
          tile = new Uint32Array(TILE_CELLS);
          p.tiles.set(tk, tile);
          this.tileCount++;
        }
        tile[ci]!++;
        p.n++;
        if (gy > p.maxGy) p.maxGy = gy;
      }
    });
    this.eventCount++;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  clear(): void {
    this.periods.clear();
    this.tileCount = 0;
    this.eventCount = 0;
  }
}
