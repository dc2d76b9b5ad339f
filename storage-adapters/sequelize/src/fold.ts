import { QueryTypes, Transaction, type Sequelize } from "sequelize";
import type { EventType, RollupDelta, RollupSpan } from "@m-software-engineering/heat-collector-kernel";
import type { Dialect } from "./connect";
import { num, type Row } from "./rows";
import { Binds, chunks } from "./sql";
import { upsertRollup } from "./writes";

export const FOLD_CHUNK = 5000;

/**
 * Moves up to FOLD_CHUNK committed pending deltas into heat_rollup, in one transaction: the rows
 * are locked (FOR UPDATE SKIP LOCKED, so concurrent folders, in this process or another, take
 * disjoint rows), merged by key, added, and deleted. Each delta is folded exactly once.
 */
export async function foldOnce(db: Sequelize, dialect: Dialect): Promise<number> {
  // READ COMMITTED: on InnoDB a REPEATABLE READ locking read also locks the gap after the last
  // row, which would block every ingest appending to heat_rollup_pending until the fold commits.
  return db.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED }, async (transaction) => {
    const rows = await db.query<Row>(
      `SELECT id, project_id, page, bucket, type, span, t, gx, gy, n FROM heat_rollup_pending ORDER BY id LIMIT ${FOLD_CHUNK} FOR UPDATE SKIP LOCKED`,
      { type: QueryTypes.SELECT, transaction },
    );
    if (rows.length === 0) return 0;
    const merged = new Map<string, RollupDelta>();
    for (const r of rows) {
      const d: RollupDelta = {
        projectId: String(r.project_id),
        page: String(r.page),
        bucket: String(r.bucket),
        type: String(r.type) as EventType,
        span: String(r.span) as RollupSpan,
        t: num(r.t),
        gx: num(r.gx),
        gy: num(r.gy),
        n: num(r.n),
      };
      const key = `${d.projectId}\u0000${d.page}\u0000${d.bucket}\u0000${d.type}\u0000${d.span}\u0000${d.t}\u0000${d.gx}\u0000${d.gy}`;
      const hit = merged.get(key);
      if (hit) hit.n += d.n;
      else merged.set(key, d);
    }
    await upsertRollup(db, dialect, transaction, [...merged.values()]);
    for (const part of chunks(rows, 1)) {
      const b = new Binds();
      await db.query(`DELETE FROM heat_rollup_pending WHERE id IN (${b.list(part.map((r) => num(r.id)))})`, {
        bind: b.values,
        transaction,
        type: QueryTypes.BULKDELETE,
      });
    }
    return rows.length;
  });
}
