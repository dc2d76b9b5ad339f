import type Database from "better-sqlite3";
import type { EventType, RollupCellFilter, RollupCellGroup, RollupFilter, RollupSummaryRow } from "@m-software-engineering/heat-collector-kernel";
// The grid module alone, not the kernel's index: the writer thread loads this file, and the
// index would bring ajv, winston and tapable into that thread's heap for nothing.
import { periodIndex, ROLLUP_SPANS } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
import { type HeatAccumulator, type HeatDim } from "./heat-accumulator";
import { type DrainItem, HeatDrain, PERIOD_ROW } from "./heat-drain";
// The codec and the tile sum alone, like the grid (see above).
import { addTiles, encodeTile, tileX, tileY } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";
import { sumTileCells, yieldToEventLoop } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-sum";

type Param = string | number | null;
type Prepare = (sql: string) => Database.Statement;

/** `(span = ? AND t BETWEEN ? AND ?) OR ...` for the filter's ranges. */
function rangeClause(f: RollupFilter, prefix: string): { sql: string; params: Param[] } {
  return {
    sql: `(${f.ranges.map(() => `(${prefix}span = ? AND ${prefix}t BETWEEN ? AND ?)`).join(" OR ")})`,
    params: f.ranges.flatMap((r) => [r.span, r.from, r.to]),
  };
}

/** Registers heat_tile_add(a, b), the sum of two encoded tiles, on the writing connection. */
export function registerTileFunctions(db: Database.Database): void {
  db.function("heat_tile_add", { deterministic: true }, (a: unknown, b: unknown) => addTiles(a as Buffer, b as Buffer));
}

/**
 * The SQLite heat rollup: `heat_dims` names each (project, page, bucket, type) once by integer id,
 * `heat_tiles` holds one sparse blob of cell counts per (dim, span, period, tile), and
 * `heat_periods` the per-(dim, span, period) sample total and deepest row. Reads decode tiles of
 * the periods asked for, so their cost follows the cells drawn, never the events stored.
 */
export class HeatTileStore {
  private readonly dims = new Map<string, number>();

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

  /**
   * Adds drain items [from, to) to the rollup; inside the caller's write transaction, on a
   * connection where `registerTileFunctions` ran: one upsert per row, a tile's sum done by heat_tile_add.
   */
  writeItems(items: readonly DrainItem[], from: number, to: number): void {
    const putTile = this.prepare(
      `INSERT INTO heat_tiles (dim, span, t, ty, tx, cells) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (dim, span, t, ty, tx) DO UPDATE SET cells = heat_tile_add(cells, excluded.cells)`,
    );
    const addPeriod = this.prepare(
      `INSERT INTO heat_periods (dim, span, t, n, max_gy) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (dim, span, t) DO UPDATE SET n = n + excluded.n, max_gy = MAX(max_gy, excluded.max_gy)`,
    );
    for (let i = from; i < to; i++) {
      const [p, key] = items[i]!;
      const dim = this.dimId(p.dim, p.dimKey);
      if (key === PERIOD_ROW) addPeriod.run(dim, p.span, p.t, p.n, p.maxGy);
      else putTile.run(dim, p.span, p.t, tileY(key), tileX(key), encodeTile(p.tiles.get(key)!));
    }
  }

  /** Adds everything the accumulator holds, in one go (see writeItems). */
  write(acc: HeatAccumulator): void {
    if (acc.eventCount === 0) return;
    const { items } = new HeatDrain(acc, acc.maxSeq);
    this.writeItems(items, 0, items.length);
  }

  /** Ids and types of the dimensions a filter reads (all buckets unless a list is given). */
  private dimsFor(f: RollupFilter, buckets?: readonly string[]): Array<{ id: number; bucket: string; type: EventType }> {
    const clauses = ["project_id = ?", `type IN (${f.types.map(() => "?").join(",")})`];
    const params: Param[] = [f.projectId, ...f.types];
    if (f.pages !== undefined) {
      clauses.push("page IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(f.pages));
    }
    if (buckets !== undefined) {
      clauses.push("bucket IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(buckets));
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

  /**
   * Cell counts of the filter's buckets, grouped into cells of `cellFactor` × 8 px (scroll: by
   * percent), per bucket and type. Yields to the event loop between dimensions and every few
   * hundred tiles (sumTileCells), so cheap requests are not held behind a large heatmap.
   */
  async cells(f: RollupCellFilter): Promise<RollupCellGroup[]> {
    const r = rangeClause(f, "");
    const read = this.prepare(`SELECT ty, tx, cells FROM heat_tiles WHERE dim = ? AND ${r.sql}`).raw();
    // A dimension is one (page, bucket, type): the pages of one bucket and type are summed together.
    const groups = new Map<string, { bucket: string; type: EventType; tiles: Array<[number, number, Buffer]> }>();
    for (const d of this.dimsFor(f, f.buckets)) {
      const key = `${d.bucket}\u0000${d.type}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { bucket: d.bucket, type: d.type, tiles: [] }));
      for (const t of read.all(d.id, ...r.params) as Array<[number, number, Buffer]>) g.tiles.push(t);
      await yieldToEventLoop();
    }
    const out: RollupCellGroup[] = [];
    for (const { bucket, type, tiles } of groups.values()) {
      // Scroll samples are (0, percent): their cells are never grouped.
      const k = type === "scroll" ? 1 : Math.max(1, Math.floor(f.cellFactor));
      out.push({ bucket, type, cells: await sumTileCells(tiles, k) });
    }
    return out;
  }

  /** The project's distinct pages with a heat dimension (every stored event has one, once folded). */
  pages(projectId: string): string[] {
    return (this.prepare("SELECT DISTINCT page FROM heat_dims WHERE project_id = ?").raw().all(projectId) as Array<[string]>).map((r) => r[0]);
  }

  /** Deletes the periods that ended before `beforeTs`; inside the caller's transaction. */
  purge(beforeTs: number): void {
    const where = ROLLUP_SPANS.map(() => "(span = ? AND t < ?)").join(" OR ");
    const params = ROLLUP_SPANS.flatMap((span) => [span, periodIndex(span, beforeTs)]);
    for (const table of ["heat_tiles", "heat_periods"]) this.prepare(`DELETE FROM ${table} WHERE ${where}`).run(...params);
  }
}
