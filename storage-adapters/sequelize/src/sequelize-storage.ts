import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import {
  periodIndex,
  ROLLUP_SPANS,
  checkRageClickRule,
  type DerivedFilter,
  type ElementFilter,
  type ElementRow,
  type EventFilter,
  type RageClickCellRow,
  type RageClickRule,
  type RageClickSummaryRow,
  type EventType,
  type PageRequest,
  type ProjectRecord,
  type RollupCellFilter,
  type RollupCellGroup,
  type RollupFilter,
  type RollupSummaryRow,
  type SecretKind,
  type SecretRecord,
  type ScrollDepthRow,
  type ScrollFilter,
  type SessionCellFilter,
  type SessionCellRow,
  type SessionGridFilter,
  type SessionSummaryRow,
  type SeriesFilter,
  type SeriesRow,
  type SessionFilter,
  type SessionRecord,
  type StorageAdapter,
  type StoredEvent,
  type WriteBatch,
  type WriteResult,
} from "@m-software-engineering/heat-collector-kernel";
import { SequelizeStorageError } from "./errors";
import { connect, type ConnectOptions, type Dialect } from "./connect";
import { FoldScheduler } from "./fold-scheduler";
import { GroupCommit, type GroupCommitOptions } from "./group-commit";
import { commitGroup, type InsertedRows } from "./group-writer";
import { FOLD_ROWS, foldJournal, withFoldLock } from "./heat-fold";
import { listPages, rollupCells, rollupSummary } from "./heat-reads";
import { rageClickCells, rageClickSummary } from "./rage-fold";
import { sessionCells, sessionSummary } from "./session-cells";
import { sessionKey } from "@m-software-engineering/heat-collector-kernel/dist/heat/session-key";
import { scrollDepths, timeseries, topElements } from "./session-hours";
import { runMigrations } from "./migrations";
import { withConnection, type RawConnection } from "./raw-connection";
import { num, str, toEvent, toProject, toSecret, toSession, type Row } from "./rows";
import { Binds, chunks, eventWhere, pagesClause, positional } from "./sql";

export type SequelizeStorageOptions = ConnectOptions & {
  /** Times a group is retried after a deadlock or serialization failure (all or nothing). Default 4. */
  deadlockRetries?: number;
  /** Group commit bounds (concurrent group transactions, batches and events per group). */
  groupCommit?: GroupCommitOptions;
  /** Age of the oldest unfolded heat journal row, and quiet time after the last write, that trigger a fold (ms). Default 1000. */
  foldAfterMs?: number;
  /** How rage clicks are told apart (heat/rage-clicks.ts); default 3 clicks within 30 px and 1 s. */
  rageClicks?: Partial<RageClickRule>;
  /** Receives background fold failures (reads stay exact; the next fold retries). Default console.warn. */
  onBackgroundError?: (err: unknown) => void;
};

const SCAN_PAGE = 2000;
const int = (v: number) => Math.max(0, Math.floor(v));

/** The driver's message when Sequelize wraps it (its own message can be empty). */
function describe(err: unknown): string {
  const e = err as { message?: string; parent?: { message?: string; code?: unknown } } | null;
  return [e?.parent?.code, e?.parent?.message ?? e?.message].filter(Boolean).join(" ") || String(err);
}

/**
 * PostgreSQL and MySQL/MariaDB storage on Sequelize 6. Writes go through group commit
 * (group-commit.ts, group-writer.ts): the batches queued while a group transaction commits form the
 * next one, with one statement per table for all of them, on a raw driver connection from
 * Sequelize's pool. Each group appends its new events' heat samples to heat_journal (one row per
 * project, in the same transaction); a fold (heat-fold.ts), one folder at a time across processes,
 * moves journal rows into tiles (heat_tiles, heat_periods), driven by writes (fold-scheduler.ts).
 * Rollup reads add the unfolded journal in the same statement, so they count every committed
 * event once. Other reads and admin writes use Sequelize with raw SQL.
 */
export class SequelizeStorage implements StorageAdapter {
  readonly name: string;
  readonly dialect: Dialect;
  readonly sequelize: Sequelize;
  private readonly retries: number;
  private readonly rageRule: RageClickRule;
  private closed = false;
  private readonly groups: GroupCommit<WriteBatch, WriteResult>;
  private readonly folds: FoldScheduler;
  /** heat_dims ids by dimension key (dimensions are never deleted). */
  private readonly dims = new Map<string, number>();
  private insertedRows: Promise<InsertedRows> | undefined;
  private folding: Promise<number> | undefined;

  constructor(options: SequelizeStorageOptions) {
    this.sequelize = connect(options);
    this.dialect = options.dialect;
    this.name = `sequelize-${options.dialect}`;
    this.retries = options.deadlockRetries ?? 4;
    const rule = checkRageClickRule(options.rageClicks ?? {});
    if (typeof rule === "string") throw new TypeError(rule);
    this.rageRule = rule;
    this.groups = new GroupCommit((group, statementsDone) => this.commit(group, statementsDone), options.groupCommit);
    const report =
      options.onBackgroundError ?? ((err: unknown) => console.warn(`heat-collector (${this.name}): heat rollup fold failed, will retry: ${describe(err)}`));
    this.folds = new FoldScheduler(async () => (await this.foldChunks(false)) !== undefined, options.foldAfterMs ?? 1000, report);
  }

  private select(sql: string, bind: unknown[], transaction?: Transaction): Promise<Row[]> {
    // MySQL reads outside a transaction go to the driver connection as text queries: through Sequelize each was a
    // prepared statement, and mysql2's binary-protocol parser built a field object per column of every row for
    // Sequelize's typeCast hook (a unique-visitor heatmap at 1M: ~150 ms, ~75 this way). rows.ts reads the values
    // either way (Buffers or strings, numbers or numeric strings).
    if (this.dialect === "mysql" && transaction === undefined) return this.connection((c) => c.query(...positional(sql, bind)));
    return this.sequelize.query<Row>(sql, { bind, type: QueryTypes.SELECT, ...(transaction && { transaction }) });
  }

  /** Rows changed by an UPDATE or DELETE. */
  private async affected(sql: string, bind: unknown[], transaction?: Transaction): Promise<number> {
    const n: unknown = await this.sequelize.query(sql, { bind, type: QueryTypes.BULKDELETE, ...(transaction && { transaction }) });
    return num(n ?? 0);
  }

  private connection<T>(fn: (c: RawConnection) => Promise<T>): Promise<T> {
    return withConnection(this.sequelize, this.dialect, fn);
  }

  /** Migrates, then folds once in the background: a crashed instance may have left journal rows. */
  async migrate(): Promise<void> {
    await runMigrations(this.sequelize, this.dialect, { rageClicks: this.rageRule });
    this.folds.start();
  }

  /** How the server tells a write which event rows it inserted: RETURNING on PostgreSQL and
   * MariaDB ≥ 10.5, a tag read back on MySQL. Asked once. */
  private howInserted(): Promise<InsertedRows> {
    this.insertedRows ??= (async (): Promise<InsertedRows> => {
      if (this.dialect === "pg") return "returning";
      const [r] = await this.select("SELECT VERSION() AS v", []);
      const m = /^(\d+)\.(\d+).*mariadb/i.exec(String(r?.v ?? ""));
      return m && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 5)) ? "tag-returning" : "tag-read-back";
    })().catch((err: unknown) => {
      this.insertedRows = undefined;
      throw err;
    });
    return this.insertedRows;
  }

  private async commit(group: readonly WriteBatch[], statementsDone: () => void): Promise<ReadonlyArray<WriteResult | Error>> {
    const how = await this.howInserted();
    const results = await this.connection((c) => commitGroup(c, this.dialect, how, this.retries, group, statementsDone));
    if (results.some((r) => !(r instanceof Error) && r.inserted > 0)) this.folds.committed();
    return results;
  }

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    try {
      return await this.groups.submit(batch);
    } catch (err) {
      if (err instanceof SequelizeStorageError) throw err;
      // Pool exhausted (acquire timeout) or the server unreachable: the batch was not written.
      throw new SequelizeStorageError("write_failed", `The batch was not written: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Folds journal chunks until one comes back short. With `wait`, waits for the fold lock (another
   * instance folding); without, answers undefined at once if it is taken. Answers events folded.
   */
  private async foldChunks(wait: boolean): Promise<number | undefined> {
    let total = 0;
    for (;;) {
      let done: { value: { rows: number; events: number } } | undefined;
      try {
        done = await this.connection((c) => withFoldLock(c, this.dialect, wait, () => foldJournal(c, this.dialect, this.dims, this.rageRule)));
      } catch (err) {
        this.dims.clear(); // ids of dimensions created by the rolled-back fold are gone
        throw err;
      }
      if (!done) return total > 0 ? total : undefined;
      total += done.value.events;
      if (done.value.rows < FOLD_ROWS || this.closed) return total;
    }
  }

  /** Folds every heat journal row committed so far into tiles (waiting for another instance's
   * fold if one runs); answers the events folded. Reads never need it: they add the journal. */
  foldRollup(): Promise<number> {
    this.folding ??= (async () => {
      try {
        await this.folds.idle();
        return (await this.foldChunks(true)) ?? 0;
      } finally {
        this.folding = undefined;
      }
    })();
    return this.folding;
  }

  /** Events whose heat samples wait in the journal, not yet folded into tiles. */
  async rollupBacklog(): Promise<number> {
    const [r] = await this.select("SELECT COALESCE(SUM(events), 0) AS n FROM heat_journal", []);
    return num(r?.n ?? 0);
  }

  listPages(projectId: string): Promise<string[]> {
    return listPages((sql, bind) => this.select(sql, bind), projectId);
  }

  /** Rage clicks are derived by the fold: fold what is committed first (as the SQLite adapter does for tiles). */
  async rageClickSummary(filter: DerivedFilter): Promise<RageClickSummaryRow[]> {
    await this.foldRollup();
    return rageClickSummary((sql, bind) => this.select(sql, bind), filter);
  }

  async rageClickCells(filter: DerivedFilter & { buckets: readonly string[]; cellFactor: number }): Promise<RageClickCellRow[]> {
    await this.foldRollup();
    return rageClickCells((sql, bind) => this.select(sql, bind), this.dialect, filter);
  }

  /** Session hours are grown by the fold: fold what is committed first. */
  async timeseries(filter: SeriesFilter): Promise<SeriesRow[]> {
    await this.foldRollup();
    return timeseries((sql, bind) => this.select(sql, bind), this.dialect, filter);
  }

  /** Session hours are grown by the fold: fold what is committed first. */
  async scrollDepths(filter: ScrollFilter): Promise<ScrollDepthRow[]> {
    await this.foldRollup();
    return scrollDepths((sql, bind) => this.select(sql, bind), this.dialect, filter);
  }

  /** Clicked cells (and rage clicks) are grown by the fold: fold what is committed first. */
  async sessionSummary(filter: SessionCellFilter): Promise<SessionSummaryRow[]> {
    await this.foldRollup();
    return sessionSummary((sql, bind) => this.select(sql, bind), this.dialect, filter);
  }

  async sessionCells(filter: SessionGridFilter): Promise<SessionCellRow[]> {
    await this.foldRollup();
    return sessionCells((sql, bind) => this.select(sql, bind), this.dialect, filter);
  }

  /** Element hours are grown by the fold: fold what is committed first. */
  async topElements(filter: ElementFilter): Promise<{ rows: ElementRow[]; totalClicks: number }> {
    await this.foldRollup();
    return topElements((sql, bind) => this.select(sql, bind), this.dialect, filter);
  }

  rollupSummary(filter: RollupFilter): Promise<RollupSummaryRow[]> {
    return rollupSummary((sql, bind) => this.select(sql, bind), filter);
  }

  rollupCells(filter: RollupCellFilter): Promise<RollupCellGroup[]> {
    return rollupCells((sql, bind) => this.select(sql, bind), filter);
  }

  async *scanEvents(filter: EventFilter): AsyncIterable<StoredEvent> {
    // Keyset pages on (ts, event_id, session_id): no cursor held open between pages.
    let after: [number, string, string] | null = null;
    for (;;) {
      const b = new Binds();
      let where = eventWhere(b, filter);
      if (after) {
        const [ts, eventId, sessionId] = after;
        where += ` AND (ts > ${b.add(ts)} OR (ts = ${b.add(ts)} AND (event_id > ${b.add(eventId)} OR (event_id = ${b.add(eventId)} AND session_id > ${b.add(sessionId)}))))`;
      }
      const rows = await this.select(`SELECT * FROM events WHERE ${where} ORDER BY ts, event_id, session_id LIMIT ${SCAN_PAGE}`, b.values);
      const events = rows.map(toEvent);
      yield* events;
      if (events.length < SCAN_PAGE) return;
      const last = events[events.length - 1]!;
      after = [last.ts, last.eventId, last.sessionId];
    }
  }

  async listEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]> {
    const b = new Binds();
    const where = eventWhere(b, filter);
    return (await this.select(`SELECT * FROM events WHERE ${where} ORDER BY ts, event_id, session_id LIMIT ${int(page.limit)} OFFSET ${int(page.offset)}`, b.values)).map(toEvent);
  }

  async listSessions(filter: SessionFilter, page: PageRequest): Promise<SessionRecord[]> {
    const b = new Binds();
    const clauses = [`s.project_id = ${b.add(filter.projectId)}`];
    if (filter.userId !== undefined) clauses.push(`s.user_id = ${b.add(filter.userId)}`);
    if (filter.fromTs !== undefined) clauses.push(`s.last_seen_at >= ${b.add(filter.fromTs)}`);
    if (filter.toTs !== undefined) clauses.push(`s.started_at <= ${b.add(filter.toTs)}`);
    if (filter.pages !== undefined) {
      clauses.push(`EXISTS (SELECT 1 FROM events e WHERE e.project_id = s.project_id AND e.session_id = s.session_id AND ${pagesClause(b, filter.pages, "e.")})`);
    }
    // Ties newest-id first too: the whole order is then a backward scan of sessions_recent. With the id
    // ascending, MariaDB sorted every session of the project (9.6k: 6.6 ms against 0.6).
    const rows = await this.select(
      `SELECT s.* FROM sessions s WHERE ${clauses.join(" AND ")} ORDER BY s.last_seen_at DESC, s.session_id DESC LIMIT ${int(page.limit)} OFFSET ${int(page.offset)}`,
      b.values,
    );
    return rows.map(toSession);
  }

  async findSessions(sessionId: string, projectId?: string): Promise<SessionRecord[]> {
    const rows =
      projectId === undefined
        ? await this.select("SELECT * FROM sessions WHERE session_id = $1 ORDER BY project_id", [sessionId])
        : await this.select("SELECT * FROM sessions WHERE session_id = $1 AND project_id = $2", [sessionId, projectId]);
    return rows.map(toSession);
  }

  async upsertProject(p: ProjectRecord): Promise<void> {
    const merge =
      this.dialect === "pg"
        ? "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, allowed_origins = EXCLUDED.allowed_origins"
        : "ON DUPLICATE KEY UPDATE name = VALUES(name), allowed_origins = VALUES(allowed_origins)";
    await this.sequelize.query(`INSERT INTO projects (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4) ${merge}`, {
      bind: [p.id, p.name, JSON.stringify(p.allowedOrigins), p.createdAt],
      type: QueryTypes.INSERT,
    });
  }

  async getProject(id: string): Promise<ProjectRecord | null> {
    const [r] = await this.select("SELECT * FROM projects WHERE id = $1", [id]);
    return r ? toProject(r) : null;
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (await this.select("SELECT * FROM projects ORDER BY id", [])).map(toProject);
  }

  async addSecret(s: SecretRecord): Promise<void> {
    const merge = this.dialect === "pg" ? "ON CONFLICT (hash) DO NOTHING" : "ON DUPLICATE KEY UPDATE hash = hash";
    await this.sequelize.query(`INSERT INTO project_secrets (hash, project_id, kind, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5) ${merge}`, {
      bind: [s.hash, s.projectId, s.kind, s.createdAt, s.revokedAt],
      type: QueryTypes.INSERT,
    });
  }

  async findSecret(hash: string, kind: SecretKind): Promise<SecretRecord | null> {
    const [r] = await this.select("SELECT * FROM project_secrets WHERE hash = $1 AND kind = $2", [hash, kind]);
    return r ? toSecret(r) : null;
  }

  async listSecrets(projectId: string): Promise<SecretRecord[]> {
    return (await this.select("SELECT * FROM project_secrets WHERE project_id = $1 ORDER BY created_at, hash", [projectId])).map(toSecret);
  }

  async revokeSecret(hash: string, revokedAt: number): Promise<boolean> {
    return (await this.affected("UPDATE project_secrets SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL", [revokedAt, hash])) === 1;
  }

  async eraseUser(projectId: string, userId: string): Promise<{ events: number; sessions: number }> {
    await this.foldRollup(); // a rage click derived later would name an erased session
    return this.sequelize.transaction(async (t) => {
      // Rage clicks name sessions and events: they go with the user's sessions.
      await this.affected(
        "DELETE FROM rage_clicks WHERE project_id = $1 AND session_id IN (SELECT session_id FROM sessions WHERE project_id = $2 AND user_id = $3)",
        [projectId, projectId, userId],
        t,
      );
      await this.affected(
        "DELETE FROM element_hours WHERE project_id = $1 AND session_id IN (SELECT session_id FROM sessions WHERE project_id = $2 AND user_id = $3)",
        [projectId, projectId, userId],
        t,
      );
      // Clicked cells name sessions by key (sessionKey): the user's sessions' keys, computed here.
      const sessions = await this.sequelize.query<{ session_id: unknown }>("SELECT session_id FROM sessions WHERE project_id = $1 AND user_id = $2", {
        bind: [projectId, userId],
        type: QueryTypes.SELECT,
        transaction: t,
      });
      for (const part of chunks(sessions.map((r) => sessionKey(str(r.session_id))), 1)) {
        const b = new Binds();
        await this.affected(`DELETE FROM click_cells WHERE project_id = ${b.add(projectId)} AND session_key IN (${b.list(part)})`, b.values, t);
      }
      await this.affected(
        "DELETE FROM session_hours WHERE project_id = $1 AND session_id IN (SELECT session_id FROM sessions WHERE project_id = $2 AND user_id = $3)",
        [projectId, projectId, userId],
        t,
      );
      return {
        events: await this.affected("DELETE FROM events WHERE project_id = $1 AND user_id = $2", [projectId, userId], t),
        sessions: await this.affected("DELETE FROM sessions WHERE project_id = $1 AND user_id = $2", [projectId, userId], t),
      };
    });
  }

  /**
   * Folds the journal first, then deletes, holding the fold lock so that no fold rewrites a tile
   * this deletes: periods that ended before the cut-off, events and sessions older than it.
   */
  async purgeBefore(beforeTs: number): Promise<{ events: number; sessions: number }> {
    await this.foldRollup();
    const b = new Binds();
    const old = ROLLUP_SPANS.map((span) => `(span = ${b.add(span)} AND t < ${b.add(periodIndex(span, beforeTs))})`).join(" OR ");
    const sql = (text: string) => (this.dialect === "pg" ? text : text.replace(/\$\d+/g, "?"));
    const done = await this.connection((c) =>
      withFoldLock(c, this.dialect, true, async () => {
        for (const table of ["heat_tiles", "heat_periods"]) await c.run(sql(`DELETE FROM ${table} WHERE ${old}`), b.values);
        await c.run(sql("DELETE FROM rage_clicks WHERE ts < $1"), [beforeTs]);
        // Whole hours only: an hour that began before the cut-off keeps its counts until it has ended.
        await c.run(sql("DELETE FROM session_hours WHERE hour < $1"), [Math.floor(beforeTs / 3_600_000)]);
        await c.run(sql("DELETE FROM element_hours WHERE hour < $1"), [Math.floor(beforeTs / 3_600_000)]);
        await c.run(sql("DELETE FROM click_cells WHERE hour < $1"), [Math.floor(beforeTs / 3_600_000)]);
        return {
          events: await c.run(sql("DELETE FROM events WHERE ts < $1"), [beforeTs]),
          sessions: await c.run(sql("DELETE FROM sessions WHERE last_seen_at < $1"), [beforeTs]),
        };
      }),
    );
    if (!done) throw new SequelizeStorageError("write_failed", "Timed out waiting for the heat rollup fold lock.");
    return done.value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.groups.settled();
    await this.folds.stop();
    await this.folding?.catch(() => undefined);
    await this.sequelize.close();
  }
}
