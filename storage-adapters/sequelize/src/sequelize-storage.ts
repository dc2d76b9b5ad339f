import { QueryTypes, Transaction, type Sequelize } from "sequelize";
import {
  periodIndex,
  ROLLUP_SPANS,
  type EventFilter,
  type EventType,
  type PageRequest,
  type ProjectRecord,
  type RollupCellRow,
  type RollupFilter,
  type RollupSummaryRow,
  type SecretKind,
  type SecretRecord,
  type SessionFilter,
  type SessionRecord,
  type StorageAdapter,
  type StoredEvent,
  type WriteBatch,
  type WriteResult,
} from "@m-software-engineering/heat-collector-kernel";
import { connect, type ConnectOptions, type Dialect } from "./connect";
import { SequelizeStorageError } from "./errors";
import { FOLD_CHUNK, foldOnce } from "./fold";
import { runMigrations } from "./migrations";
import { num, toEvent, toProject, toSecret, toSession, type Row } from "./rows";
import { Binds, eventWhere, pageClause, rollupWhere } from "./sql";
import { writeInTransaction } from "./writes";

export type SequelizeStorageOptions = ConnectOptions & {
  /** Times a batch is retried after a deadlock or serialization failure (all or nothing). Default 4. */
  deadlockRetries?: number;
  /** How often pending rollup deltas are folded into heat_rollup (ms). Default 250. */
  rollupIntervalMs?: number;
  /** Receives background fold failures (reads stay exact; the next fold retries). Default console.warn. */
  onBackgroundError?: (err: unknown) => void;
};

const SCAN_PAGE = 2000;
const COMMITTED = { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED };
const int = (v: number) => Math.max(0, Math.floor(v));

/** The driver's message when Sequelize wraps it (its own message can be empty). */
function describe(err: unknown): string {
  const e = err as { message?: string; parent?: { message?: string; code?: unknown } } | null;
  return [e?.parent?.code, e?.parent?.message ?? e?.message].filter(Boolean).join(" ") || String(err);
}

/** Deadlock (PG 40P01, MySQL 1213), serialization failure (40001) or lock wait timeout (1205). */
function isRetryable(err: unknown): boolean {
  const parent = (err as { parent?: { code?: unknown; errno?: unknown } } | null)?.parent;
  return parent?.code === "40P01" || parent?.code === "40001" || parent?.errno === 1213 || parent?.errno === 1205;
}

/**
 * PostgreSQL and MySQL/MariaDB storage on Sequelize 6. Each ingest batch is one transaction:
 * bulk, idempotent event insert, session upsert, and exactly rollupFor(new events) appended to
 * heat_rollup_pending. A timer folds pending deltas into heat_rollup; rollup reads add both, so
 * they count every committed event once whether folded or not. Folding outside the ingest
 * transaction keeps concurrent batches from queueing on hot rollup rows (measured: writers spent
 * most of their time waiting on them). Reads aggregate in the database; raw SQL because the
 * upserts and the grid division differ per dialect.
 */
export class SequelizeStorage implements StorageAdapter {
  readonly name: string;
  readonly dialect: Dialect;
  readonly sequelize: Sequelize;
  private readonly retries: number;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private folding: Promise<number> | undefined;

  constructor(options: SequelizeStorageOptions) {
    this.sequelize = connect(options);
    this.dialect = options.dialect;
    this.name = `sequelize-${options.dialect}`;
    this.retries = options.deadlockRetries ?? 4;
    this.options = options;
  }

  private readonly options: SequelizeStorageOptions;

  private select(sql: string, bind: unknown[], transaction?: Transaction): Promise<Row[]> {
    return this.sequelize.query<Row>(sql, { bind, type: QueryTypes.SELECT, ...(transaction && { transaction }) });
  }

  /** Rows changed by an UPDATE or DELETE. */
  private async affected(sql: string, bind: unknown[], transaction?: Transaction): Promise<number> {
    const n: unknown = await this.sequelize.query(sql, { bind, type: QueryTypes.BULKDELETE, ...(transaction && { transaction }) });
    return num(n ?? 0);
  }

  private get div(): string {
    return this.dialect === "pg" ? "/" : "DIV";
  }

  async migrate(): Promise<void> {
    await runMigrations(this.sequelize, this.dialect);
    this.startFolding();
  }

  /** Started by migrate() or, with autoMigrate off, by the first write. */
  private startFolding(): void {
    if (this.timer || this.closed) return;
    const report = this.options.onBackgroundError ?? ((err: unknown) => console.warn(`heat-collector (${this.name}): rollup fold failed, will retry: ${describe(err)}`));
    this.timer = setInterval(() => this.foldRollup().catch(report), this.options.rollupIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Folds every committed pending rollup delta into heat_rollup; returns how many were folded.
   * Never needed for correct reads (they add pending deltas); it keeps the pending table small. */
  foldRollup(): Promise<number> {
    this.folding ??= (async () => {
      let total = 0;
      try {
        for (let n = FOLD_CHUNK; n === FOLD_CHUNK && !this.closed; ) {
          n = await this.withRetry(() => foldOnce(this.sequelize, this.dialect));
          total += n;
        }
        return total;
      } finally {
        this.folding = undefined;
      }
    })();
    return this.folding;
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= this.retries || !isRetryable(err)) throw err;
      }
    }
  }

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    // READ COMMITTED (PostgreSQL's default) on MySQL too: no gap locks between concurrent batches;
    // idempotency rests on the unique key, which locks the same way at every level.
    this.startFolding();
    try {
      return await this.withRetry(() => this.sequelize.transaction(COMMITTED, (t) => writeInTransaction(this.sequelize, this.dialect, t, batch)));
    } catch (err) {
      // Sequelize's error stack hides the driver's message; keep it for the operator's log.
      throw new SequelizeStorageError("write_failed", `The batch was rolled back: ${describe(err)}`, { cause: err });
    }
  }

  /** heat_rollup plus the deltas not folded yet, filtered alike: one statement, so one snapshot. */
  private rollupRows(b: Binds, filter: RollupFilter, cols: string, extra = ""): string {
    const from = (table: string) => `SELECT ${cols} FROM ${table} WHERE ${rollupWhere(b, filter)}${extra}`;
    return `(${from("heat_rollup")} UNION ALL ${from("heat_rollup_pending")}) r`;
  }

  async rollupSummary(filter: RollupFilter): Promise<RollupSummaryRow[]> {
    const b = new Binds();
    const rows = await this.select(
      `SELECT bucket, type, SUM(n) AS n, MAX(gy) AS max_gy FROM ${this.rollupRows(b, filter, "bucket, type, gy, n")} GROUP BY bucket, type ORDER BY bucket, type`,
      b.values,
    );
    return rows.map((r) => ({ bucket: String(r.bucket), type: String(r.type) as EventType, n: num(r.n), maxGy: num(r.max_gy) }));
  }

  async rollupCells(filter: RollupFilter & { bucket: string; cellFactor: number }): Promise<RollupCellRow[]> {
    const b = new Binds();
    const k = Math.max(1, Math.floor(filter.cellFactor));
    const bucket = b.add(filter.bucket);
    const rows = await this.select(
      `SELECT type, CASE WHEN type = 'scroll' THEN 0 ELSE gx ${this.div} ${k} END AS cx, CASE WHEN type = 'scroll' THEN gy ELSE gy ${this.div} ${k} END AS cy, SUM(n) AS n
       FROM ${this.rollupRows(b, filter, "type, gx, gy, n", ` AND bucket = ${bucket}`)} GROUP BY type, cx, cy`,
      b.values,
    );
    return rows.map((r) => ({ type: String(r.type) as EventType, cx: num(r.cx), cy: num(r.cy), n: num(r.n) }));
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
    if (filter.page !== undefined) {
      clauses.push(`EXISTS (SELECT 1 FROM events e WHERE e.project_id = s.project_id AND e.session_id = s.session_id AND ${pageClause(b, filter.page, "e.")})`);
    }
    const rows = await this.select(
      `SELECT s.* FROM sessions s WHERE ${clauses.join(" AND ")} ORDER BY s.last_seen_at DESC, s.session_id LIMIT ${int(page.limit)} OFFSET ${int(page.offset)}`,
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
    return this.sequelize.transaction(async (t) => ({
      events: await this.affected("DELETE FROM events WHERE project_id = $1 AND user_id = $2", [projectId, userId], t),
      sessions: await this.affected("DELETE FROM sessions WHERE project_id = $1 AND user_id = $2", [projectId, userId], t),
    }));
  }

  async purgeBefore(beforeTs: number): Promise<{ events: number; sessions: number }> {
    return this.sequelize.transaction(async (t) => {
      for (const table of ["heat_rollup", "heat_rollup_pending"]) {
        // A period goes once it has ended before the cut-off: index below the cut-off's own period.
        const where = ROLLUP_SPANS.map((_, i) => `(span = $${2 * i + 1} AND t < $${2 * i + 2})`).join(" OR ");
        await this.affected(`DELETE FROM ${table} WHERE ${where}`, ROLLUP_SPANS.flatMap((span) => [span, periodIndex(span, beforeTs)]), t);
      }
      return {
        events: await this.affected("DELETE FROM events WHERE ts < $1", [beforeTs], t),
        sessions: await this.affected("DELETE FROM sessions WHERE last_seen_at < $1", [beforeTs], t),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.folding?.catch(() => undefined);
    await this.sequelize.close();
  }
}
