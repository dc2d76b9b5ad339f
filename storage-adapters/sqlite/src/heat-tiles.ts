import type Database from "better-sqlite3";
import {
  periodIndex,
  ROLLUP_SPANS,
  type EventType,
  type RollupCellRow,
  type RollupFilter,
  type RollupSummaryRow,
} from "@m-software-engineering/heat-collector-kernel";
import { type HeatAccumulator, type HeatDim } from "./heat-accumulator";
import { addEncoded, cellGx, cellGy, decodeTile, encodeTile, TILE_CELLS, tileX, tileY } from "./tile-codec";

type Param = string | number | null;
type Prepare = (sql: string) => Database.Statement;

/** `(span = ? AND t BETWEEN ? AND ?) OR ...` for the filter's ranges. */
function rangeClause(f: RollupFilter, prefix: string): { sql: string; params: Param[] } {
  return {
    sql: `(${f.ranges.map(() => `(${prefix}span = ? AND ${prefix}t BETWEEN ? AND ?)`).join(" OR ")})`,
    params: f.ranges.flatMap((r) => [r.span, r.from, r.to]),
  };
}

/** Cell columns and rows fit below 2^24 (coordinates are at most 1e8 px): one number per cell key. */
const CX_LIMIT = 1 << 24;

/**
 * The SQLite heat rollup: `heat_dims` names each (project, page, bucket, type) once by integer id,
 * `heat_tiles` holds one sparse blob of cell counts per (dim, span, period, tile), and
 * `heat_periods` the per-(dim, span, period) sample total and deepest row. Reads decode tiles of
 * the periods asked for, so their cost follows the cells drawn, never the events stored.
 */
export class HeatTileStore {
  private readonly dims = new Map<string, number>();
  private readonly merged = new Float64Array(TILE_CELLS);

  constructor(private readonly prepare: Prepare) {}

  /** The dimension's id, created if new; inside the caller's write transaction. */
  private dimId(dim: HeatDim, key: string): number {
    let id = this.dims.get(key);
    if (id === undefined) {
      this.prepare("INSERT INTO heat_dims (project_id, page, bucket, type) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").run(dim.projectId, dim.page, dim.bucket, dim.type);
      id = (this.prepare("SELECT id FROM heat_dims WHERE project_id = ? AND page = ? AND bucket = ? AND type = ?").get(dim.projectId, dim.page, dim.bucket, dim.type) as { id: number }).id;
      this.dims.set(key, id);
    }
    return id;
  }

  /** Adds everything the accumulator holds; inside the caller's write transaction. */
  write(acc: HeatAccumulator): void {
    const getTile = this.prepare("SELECT cells FROM heat_tiles WHERE dim = ? AND span = ? AND t = ? AND ty = ? AND tx = ?").pluck();
    const putTile = this.prepare(
      "INSERT INTO heat_tiles (dim, span, t, ty, tx, cells) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dim, span, t, ty, tx) DO UPDATE SET cells = excluded.cells",
    );
    const addPeriod = this.prepare(
      `INSERT INTO heat_periods (dim, span, t, n, max_gy) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (dim, span, t) DO UPDATE SET n = n + excluded.n, max_gy = MAX(max_gy, excluded.max_gy)`,
    );
    const merged = this.merged;
    for (const p of acc.periods.values()) {
      if (p.n === 0) continue; // events without samples (a move with no points) add nothing
      const dim = this.dimId(p.dim, p.dimKey);
      addPeriod.run(dim, p.span, p.t, p.n, p.maxGy);
      for (const [key, counts] of p.tiles) {
        const ty = tileY(key);
        const tx = tileX(key);
        const stored = getTile.get(dim, p.span, p.t, ty, tx) as Buffer | undefined;
        if (stored) {
          merged.set(counts);
          addEncoded(merged, stored);
          putTile.run(dim, p.span, p.t, ty, tx, encodeTile(merged));
        } else putTile.run(dim, p.span, p.t, ty, tx, encodeTile(counts));
      }
    }
  }

  /** Ids and types of the dimensions a filter reads (all buckets unless one is given). */
  private dimsFor(f: RollupFilter, bucket?: string): Array<{ id: number; bucket: string; type: EventType }> {
    const clauses = ["project_id = ?", `type IN (${f.types.map(() => "?").join(",")})`];
    const params: Param[] = [f.projectId, ...f.types];
    if (f.page !== undefined) {
      clauses.push("page = ?");
      params.push(f.page);
    }
    if (bucket !== undefined) {
      clauses.push("bucket = ?");
      params.push(bucket);
    }
    return this.prepare(`SELECT id, bucket, type FROM heat_dims WHERE ${clauses.join(" AND ")}`).all(...params) as Array<{ id: number; bucket: string; type: EventType }>;
  }

  summary(f: RollupFilter): RollupSummaryRow[] {
    const dims = this.dimsFor(f);
    if (dims.length === 0) return [];
    const r = rangeClause(f, "p.");
    return this.prepare(
      `SELECT d.bucket AS bucket, d.type AS type, SUM(p.n) AS n, MAX(p.max_gy) AS maxGy
       FROM heat_periods p JOIN heat_dims d ON d.id = p.dim
       WHERE p.dim IN (${dims.map(() => "?").join(",")}) AND ${r.sql}
       GROUP BY d.bucket, d.type ORDER BY d.bucket, d.type`,
    ).all(...dims.map((d) => d.id), ...r.params) as RollupSummaryRow[];
  }

  /** Cell counts of one bucket, grouped into cells of `cellFactor` × 8 px (scroll: by percent). */
  cells(f: RollupFilter, bucket: string, cellFactor: number): RollupCellRow[] {
    const k = Math.max(1, Math.floor(cellFactor));
    const r = rangeClause(f, "");
    const read = this.prepare(`SELECT ty, tx, cells FROM heat_tiles WHERE dim = ? AND ${r.sql}`);
    const grids = new Map<EventType, Map<number, number>>();
    for (const d of this.dimsFor(f, bucket)) {
      const grid = grids.get(d.type) ?? new Map<number, number>();
      grids.set(d.type, grid);
      const scroll = d.type === "scroll";
      for (const tile of read.iterate(d.id, ...r.params) as IterableIterator<{ ty: number; tx: number; cells: Buffer }>) {
        decodeTile(tile.cells, (i, n) => {
          const gx = cellGx(tile.tx, i);
          const gy = cellGy(tile.ty, i);
          const key = scroll ? gy * CX_LIMIT : Math.floor(gy / k) * CX_LIMIT + Math.floor(gx / k);
          grid.set(key, (grid.get(key) ?? 0) + n);
        });
      }
    }
    const rows: RollupCellRow[] = [];
    for (const [type, grid] of grids) for (const [key, n] of grid) rows.push({ type, cx: key % CX_LIMIT, cy: Math.floor(key / CX_LIMIT), n });
    return rows;
  }

  /** Deletes the periods that ended before `beforeTs`; inside the caller's transaction. */
  purge(beforeTs: number): void {
    const where = ROLLUP_SPANS.map(() => "(span = ? AND t < ?)").join(" OR ");
    const params = ROLLUP_SPANS.flatMap((span) => [span, periodIndex(span, beforeTs)]);
    for (const table of ["heat_tiles", "heat_periods"]) this.prepare(`DELETE FROM ${table} WHERE ${where}`).run(...params);
  }
}
