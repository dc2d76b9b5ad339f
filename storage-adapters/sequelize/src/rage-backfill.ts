import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { rederiveRageClicks, type ClickRow, type RageClickRecord, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import type { Dialect } from "./connect";
import { num, str, toClickRow, type Row } from "./rows";
import { pageHash } from "./sql";

const PAGE = 5000;

/**
 * Migration 5's data step: the rage clicks of every click already stored, one session at a time,
 * read in keyset pages of the session index's order (a session may straddle two pages: its clicks
 * are kept until the next session starts). Runs are few: inserted at the end.
 */
export async function backfillRageClicks(sequelize: Sequelize, dialect: Dialect, transaction: Transaction, rule: RageClickRule): Promise<void> {
  const runs: RageClickRecord[] = [];
  let session: ClickRow[] = [];
  const flush = () => {
    if (session.length >= rule.minClicks) runs.push(...rederiveRageClicks(session, [-Infinity, Infinity], rule));
    session = [];
  };
  let after: [string, string, number, string] | null = null;
  for (;;) {
    const keyset: string = after
      ? dialect === "pg"
        ? "AND (project_id, session_id, ts, event_id) > ($1, $2, $3, $4)"
        : "AND (project_id > $1 OR (project_id = $1 AND (session_id > $2 OR (session_id = $2 AND (ts > $3 OR (ts = $3 AND event_id > $4))))))"
      : "";
    const rows: Row[] = await sequelize.query<Row>(
      `SELECT project_id, session_id, event_id, ts, page, bucket, data FROM events WHERE type = 'click' ${keyset}
       ORDER BY project_id, session_id, ts, event_id LIMIT ${PAGE}`,
      { bind: after ?? [], type: QueryTypes.SELECT, transaction },
    );
    for (const r of rows) {
      const c = toClickRow(r);
      if (!c) continue;
      const last = session[session.length - 1];
      if (last && (last.projectId !== c.projectId || last.sessionId !== c.sessionId)) flush();
      session.push(c);
    }
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1]!;
    after = [str(last.project_id), str(last.session_id), num(last.ts), str(last.event_id)];
  }
  flush();
  for (let i = 0; i < runs.length; i += 1000) {
    await sequelize.getQueryInterface().bulkInsert(
      "rage_clicks",
      runs.slice(i, i + 1000).map((x) => ({
        project_id: x.projectId,
        session_id: x.sessionId,
        event_id: x.eventId,
        ts: x.ts,
        page_hash: pageHash(x.page),
        page: x.page,
        bucket: x.bucket,
        gx: x.gx,
        gy: x.gy,
        selector: x.selector,
      })),
      { transaction },
    );
  }
}
