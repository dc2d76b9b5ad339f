import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { cellIndex, encodeTile, TILE_CELLS, tileKey, tileX, tileY } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";
import type { Dialect } from "./connect";
import { num, str, type Row } from "./rows";
import { Binds, chunks } from "./sql";


/**
 * Migration 4's data step: the counts of heat_rollup plus heat_rollup_pending (cell rows per span),
 * re-encoded as heat_dims, heat_tiles and heat_periods, one dimension at a time (memory follows
 * one dimension's cells), then the old tables dropped.
 *
 * Re-runnable on MySQL, where every DDL statement commits: while both old tables exist the copy
 * is redone from scratch (the new tables emptied first); the copy is committed before
 * heat_rollup_pending is dropped, so heat_rollup alone left means the copy is complete.
 */
export async function carryRollupOver(db: Sequelize, dialect: Dialect, transaction: Transaction): Promise<void> {
  const tables = ((await db.getQueryInterface().showAllTables({ transaction })) as Array<string | { tableName: string }>).map((t) => (typeof t === "string" ? t : t.tableName));
  const hasRollup = tables.includes("heat_rollup");
  const hasPending = tables.includes("heat_rollup_pending");
  const q = (sql: string, bind: unknown[] = []) => db.query<Row>(sql, { bind, transaction, type: QueryTypes.SELECT });
  const run = (sql: string, bind: unknown[] = []) => db.query(sql, { bind, transaction, type: QueryTypes.INSERT });
  if (hasRollup && hasPending) {
    for (const t of ["heat_tiles", "heat_periods", "heat_dims"]) await db.query(`DELETE FROM ${t}`, { transaction });
    const cols = "project_id, page_hash, page, bucket, type, span, t, gx, gy, n";
    const both = `(SELECT ${cols} FROM heat_rollup UNION ALL SELECT ${cols} FROM heat_rollup_pending) r`;
    await run(`INSERT INTO heat_dims (project_id, page_hash, page, bucket, type) SELECT DISTINCT project_id, page_hash, page, bucket, type FROM ${both} ORDER BY project_id, page_hash, bucket, type`);
    for (const d of await q("SELECT id, project_id, page_hash, bucket, type FROM heat_dims ORDER BY id")) {
      const cells = await q(
        `SELECT span, t, gx, gy, SUM(n) AS n FROM ${both} WHERE project_id = $1 AND page_hash = $2 AND bucket = $3 AND type = $4 GROUP BY span, t, gx, gy`,
        [str(d.project_id), str(d.page_hash), str(d.bucket), str(d.type)],
      );
      const periods = new Map<string, { span: string; t: number; n: number; maxGy: number; tiles: Map<number, Float64Array> }>();
      for (const c of cells) {
        const span = str(c.span);
        const t = num(c.t);
        const [gx, gy, n] = [num(c.gx), num(c.gy), num(c.n)];
        let p = periods.get(`${span}${t}`);
        if (!p) periods.set(`${span}${t}`, (p = { span, t, n: 0, maxGy: 0, tiles: new Map() }));
        p.n += n;
        p.maxGy = Math.max(p.maxGy, gy);
        const key = tileKey(gx, gy);
        let tile = p.tiles.get(key);
        if (!tile) p.tiles.set(key, (tile = new Float64Array(TILE_CELLS)));
        tile[cellIndex(gx, gy)]! += n;
      }
      const dim = num(d.id);
      const tileRows = [...periods.values()].flatMap((p) => [...p.tiles].map(([key, tile]) => [dim, p.span, p.t, tileY(key), tileX(key), encodeTile(tile)] as const));
      for (const part of chunks(tileRows, 6)) {
        const b = new Binds();
        await run(`INSERT INTO heat_tiles (dim, span, t, ty, tx, cells) VALUES ${part.map((r) => `(${b.list(r.slice(0, 5) as Array<string | number>)}, ${bytes(b, r[5], dialect)})`).join(", ")}`, b.values);
      }
      for (const part of chunks([...periods.values()], 5)) {
        const b = new Binds();
        await run(`INSERT INTO heat_periods (dim, span, t, n, max_gy) VALUES ${part.map((p) => `(${b.list([dim, p.span, p.t, p.n, p.maxGy])})`).join(", ")}`, b.values);
      }
    }
  }
  if (hasPending) await db.query("DROP TABLE heat_rollup_pending", { transaction });
  if (hasRollup) await db.query("DROP TABLE heat_rollup", { transaction });
}

/** A blob as a bind: Binds holds strings and numbers, so the bytes travel as hex and are decoded by the server. */
function bytes(b: Binds, blob: Buffer, dialect: Dialect): string {
  return dialect === "pg" ? `decode(${b.add(blob.toString("hex"))}, 'hex')` : `UNHEX(${b.add(blob.toString("hex"))})`;
}
