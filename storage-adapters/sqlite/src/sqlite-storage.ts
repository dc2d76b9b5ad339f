import Database from "better-sqlite3";
import {
  type EventFilter,
  type EventType,
  type JsonObject,
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
import { HeatAccumulator } from "./heat-accumulator";
import { HeatTileStore } from "./heat-tiles";
import { MIGRATIONS, type Migration } from "./migrations";

export interface SqliteStorageOptions {
  /** Database file; ":memory:" for a throwaway store. */
  file: string;
  /** How often the heat increments held in memory are written to the rollup (ms). Default 250. */
  rollupIntervalMs?: number;
}

type Row = Record<string, unknown>;
type Param = string | number | null;

/** Events per transaction when folding from the events table (startup catch-up). */
const CATCH_UP_CHUNK = 20_000;
/** Flush at once past this many pending dense tiles (1 KB each): bounds memory and a flush's pause. */
const MAX_PENDING_TILES = 8192;
const SCAN_PAGE = 2000;

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = <T>(v: unknown): T | null => (typeof v === "string" ? (JSON.parse(v) as T) : null);

function toEvent(r: Row): StoredEvent {
  return {
    projectId: r.project_id as string,
    eventId: r.event_id as string,
    sessionId: r.session_id as string,
    userId: (r.user_id as string | null) ?? null,
    type: r.type as EventType,
    ts: r.ts as number,
    path: r.path as string,
    page: r.page as string,
    bucket: r.bucket as string,
    data: parse<JsonObject>(r.data) ?? {},
  };
}

function toSession(r: Row): SessionRecord {
  return {
    projectId: r.project_id as string,
    sessionId: r.session_id as string,
    userId: (r.user_id as string | null) ?? null,
    userTraits: parse<JsonObject>(r.user_traits),
    startedAt: r.started_at as number,
    lastSeenAt: r.last_seen_at as number,
    firstPath: r.first_path as string,
    eventCount: r.event_count as number,
    app: parse<JsonObject>(r.app),
    device: parse<JsonObject>(r.device),
  };
}

function toProject(r: Row): ProjectRecord {
  return { id: r.id as string, name: r.name as string, allowedOrigins: parse<string[]>(r.allowed_origins) ?? [], createdAt: r.created_at as number };
}

function toSecret(r: Row): SecretRecord {
  return {
    hash: r.hash as string,
    projectId: r.project_id as string,
    kind: r.kind as SecretKind,
    createdAt: r.created_at as number,
    revokedAt: (r.revoked_at as number | null) ?? null,
  };
}

function eventWhere(f: EventFilter): { sql: string; params: Param[] } {
  const clauses = ["project_id = ?"];
  const params: Param[] = [f.projectId];
  const eq = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    clauses.push(`${col} = ?`);
    params.push(v);
  };
  eq("session_id", f.sessionId);
  eq("user_id", f.userId);
  eq("page", f.page);
  if (f.types) {
    clauses.push(`type IN (${f.types.map(() => "?").join(",")})`);
    params.push(...f.types);
  }
  if (f.fromTs !== undefined) {
    clauses.push("ts >= ?");
    params.push(f.fromTs);
  }
  if (f.toTs !== undefined) {
    clauses.push("ts <= ?");
    params.push(f.toTs);
  }
  return { sql: clauses.join(" AND "), params };
}

/**
 * The embedded store, on better-sqlite3 in WAL mode. Writes are one IMMEDIATE transaction per
 * batch; events are unique on (project_id, event_id), so a retried event is recognised and skipped.
 *
 * The heat rollup is maintained behind the writes: the samples of each newly stored event are
 * added to an in-memory accumulator, written to the tile rollup by a timer (every
 * `rollupIntervalMs`), when it grows past MAX_PENDING_TILES, and before every rollup read. The
 * fold position (`heat_rollup_state.last_seq`) is advanced in the same transaction, so a crash
 * loses nothing: the events after it are folded again from the events table at the next start.
 */
export class SqliteStorage implements StorageAdapter {
  readonly name = "sqlite";
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly heat = new HeatAccumulator();
  private readonly tiles = new HeatTileStore((sql) => this.stmt(sql));
  /** `last_seq` as this process last wrote or read it; undefined until the first fold. */
  private foldedSeq: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SqliteStorageOptions) {
    this.db = new Database(options.file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    // Rollup flushes rewrite the same hot tile pages again and again: checkpointing every 40 MB of
    // WAL instead of 4 MB copies each page back once instead of many times.
    this.db.pragma("wal_autocheckpoint = 10000");
    this.db.pragma("journal_size_limit = 67108864");
  }

  /** Prepared once per distinct SQL text. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async migrate(): Promise<void> {
    this.db.exec("CREATE TABLE IF NOT EXISTS hc_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    const step = this.db.transaction((m: Migration) => {
      if (this.db.prepare("SELECT 1 FROM hc_migrations WHERE version = ?").get(m.version)) return;
      this.db.exec(m.sql);
      m.run?.(this.db);
      this.db.prepare("INSERT INTO hc_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
    });
    for (const m of MIGRATIONS) step.immediate(m);
    this.statements.clear(); // statements prepared against dropped tables are stale
    this.foldRollup();
    this.startRollupTimer();
  }

  private startRollupTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.foldRollup(), this.options.rollupIntervalMs ?? 250);
    this.timer.unref();
  }

  private readonly writeTx = this.lazyTx((batch: WriteBatch): { result: WriteResult; fresh: Array<[StoredEvent, number]> } => {
    const insert = this.stmt(
      `INSERT INTO events (project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, event_id) DO NOTHING`,
    );
    const perSession = new Map<string, number>();
    const fresh: Array<[StoredEvent, number]> = [];
    for (const e of batch.events) {
      const r = insert.run(e.projectId, e.eventId, e.sessionId, e.userId, e.type, e.ts, e.path, e.page, e.bucket, JSON.stringify(e.data));
      if (r.changes === 1) {
        fresh.push([e, Number(r.lastInsertRowid)]);
        perSession.set(e.sessionId, (perSession.get(e.sessionId) ?? 0) + 1);
      }
    }
    const upsert = this.stmt(
      `INSERT INTO sessions (project_id, session_id, user_id, user_traits, started_at, last_seen_at, first_path, event_count, app, device)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, session_id) DO UPDATE SET
         user_id = COALESCE(excluded.user_id, sessions.user_id),
         user_traits = COALESCE(excluded.user_traits, sessions.user_traits),
         first_path = CASE WHEN excluded.started_at < sessions.started_at THEN excluded.first_path ELSE sessions.first_path END,
         started_at = MIN(sessions.started_at, excluded.started_at),
         last_seen_at = MAX(sessions.last_seen_at, excluded.last_seen_at),
         event_count = sessions.event_count + excluded.event_count,
         app = COALESCE(excluded.app, sessions.app),
         device = COALESCE(sessions.device, excluded.device)`,
    );
    for (const s of batch.sessions) {
      upsert.run(s.projectId, s.sessionId, s.userId, json(s.userTraits), s.startedAt, s.lastSeenAt, s.firstPath, perSession.get(s.sessionId) ?? 0, json(s.app), json(s.device));
    }
    return { result: { inserted: fresh.length, duplicates: batch.events.length - fresh.length }, fresh };
  });

  async writeBatch(batch: WriteBatch): Promise<WriteResult> {
    const { result, fresh } = this.writeTx().immediate(batch);
    // Only once committed: a rolled-back batch must add nothing to the rollup.
    for (const [e, seq] of fresh) this.heat.add(e, seq);
    if (this.heat.tileCount > MAX_PENDING_TILES) this.foldRollup();
    this.startRollupTimer();
    return result;
  }

  /** better-sqlite3 transactions can only be built once the database is open: build on first use. */
  private lazyTx<A, R>(fn: (arg: A) => R): () => Database.Transaction<(arg: A) => R> {
    let tx: Database.Transaction<(arg: A) => R> | undefined;
    return () => (tx ??= this.db.transaction(fn));
  }

  /**
   * Writes the accumulator if it holds exactly the events after the stored fold position (no other
   * process wrote events meanwhile); returns false, writing nothing, otherwise.
   */
  private readonly flushTx = this.lazyTx((heat: HeatAccumulator): boolean => {
    const lastSeq = this.stmt("SELECT last_seq FROM heat_rollup_state WHERE id = 1").pluck().get() as number;
    if (lastSeq !== this.foldedSeq) return false;
    const upTo = heat.eventCount > 0 ? heat.maxSeq : lastSeq;
    const between = this.stmt("SELECT COUNT(*) FROM events WHERE seq > ? AND seq <= ?").pluck().get(lastSeq, upTo) as number;
    const newest = this.stmt("SELECT COALESCE(MAX(seq), 0) FROM events").pluck().get() as number;
    if (between !== heat.eventCount || (heat.eventCount === 0 && newest > lastSeq)) return false;
    if (heat.eventCount === 0) return true;
    this.tiles.write(heat);
    this.stmt("UPDATE heat_rollup_state SET last_seq = ? WHERE id = 1").run(upTo);
    this.foldedSeq = upTo;
    return true;
  });

  /** Folds events from the events table, `limit` at a time from the stored position; returns how many. */
  private readonly foldTableTx = this.lazyTx((limit: number): number => {
    const lastSeq = this.stmt("SELECT last_seq FROM heat_rollup_state WHERE id = 1").pluck().get() as number;
    const rows = this.stmt(
      "SELECT seq, project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
    ).all(lastSeq, limit) as Row[];
    const acc = new HeatAccumulator();
    for (const r of rows) acc.add(toEvent(r), r.seq as number);
    this.tiles.write(acc);
    this.foldedSeq = rows.length > 0 ? acc.maxSeq : lastSeq;
    this.stmt("UPDATE heat_rollup_state SET last_seq = ? WHERE id = 1").run(this.foldedSeq);
    return rows.length;
  });

  private schemaReady = false;

  /** True once the schema exists (migrated here, or by another process / the CLI). */
  private hasSchema(): boolean {
    this.schemaReady ||= this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heat_tiles'").get() !== undefined;
    return this.schemaReady;
  }

  /**
   * Brings the rollup up to date with every committed event; returns how many events were folded.
   * Normally that writes the accumulator; when the stored position is not where this process left
   * it (first use, or another process wrote events), the accumulator is dropped and the events
   * after the stored position are folded from the events table instead.
   */
  foldRollup(): number {
    if (this.closed || !this.hasSchema()) return 0;
    const pending = this.heat.eventCount;
    const flushed = this.flushTx().immediate(this.heat);
    this.heat.clear();
    if (flushed) return pending;
    let total = 0;
    for (let n = this.foldTableTx().immediate(CATCH_UP_CHUNK); n > 0; n = n === CATCH_UP_CHUNK ? this.foldTableTx().immediate(CATCH_UP_CHUNK) : 0) total += n;
    return total;
  }

  async rollupSummary(filter: RollupFilter): Promise<RollupSummaryRow[]> {
    this.foldRollup();
    return this.tiles.summary(filter);
  }

  async rollupCells(filter: RollupFilter & { bucket: string; cellFactor: number }): Promise<RollupCellRow[]> {
    this.foldRollup();
    return this.tiles.cells(filter, filter.bucket, filter.cellFactor);
  }

  async *scanEvents(filter: EventFilter): AsyncIterable<StoredEvent> {
    // Keyset pages, never an open cursor: other requests use this connection between pages.
    const w = eventWhere(filter);
    let after: [number, string] | null = null;
    for (;;) {
      const rows: Row[] = after
        ? (this.stmt(`SELECT * FROM events WHERE ${w.sql} AND (ts, event_id) > (?, ?) ORDER BY ts, event_id LIMIT ${SCAN_PAGE}`).all(...w.params, ...after) as Row[])
        : (this.stmt(`SELECT * FROM events WHERE ${w.sql} ORDER BY ts, event_id LIMIT ${SCAN_PAGE}`).all(...w.params) as Row[]);
      for (const r of rows) yield toEvent(r);
      if (rows.length < SCAN_PAGE) return;
      const last = rows[rows.length - 1]!;
      after = [last.ts as number, last.event_id as string];
    }
  }

  async listEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]> {
    const w = eventWhere(filter);
    return (this.stmt(`SELECT * FROM events WHERE ${w.sql} ORDER BY ts, event_id LIMIT ? OFFSET ?`).all(...w.params, page.limit, page.offset) as Row[]).map(toEvent);
  }

  async listSessions(filter: SessionFilter, page: PageRequest): Promise<SessionRecord[]> {
    const clauses = ["s.project_id = ?"];
    const params: Param[] = [filter.projectId];
    if (filter.userId !== undefined) {
      clauses.push("s.user_id = ?");
      params.push(filter.userId);
    }
    if (filter.fromTs !== undefined) {
      clauses.push("s.last_seen_at >= ?");
      params.push(filter.fromTs);
    }
    if (filter.toTs !== undefined) {
      clauses.push("s.started_at <= ?");
      params.push(filter.toTs);
    }
    if (filter.page !== undefined) {
      clauses.push("EXISTS (SELECT 1 FROM events e WHERE e.project_id = s.project_id AND e.session_id = s.session_id AND e.page = ?)");
      params.push(filter.page);
    }
    return (
      this.stmt(`SELECT s.* FROM sessions s WHERE ${clauses.join(" AND ")} ORDER BY s.last_seen_at DESC, s.session_id LIMIT ? OFFSET ?`).all(
        ...params,
        page.limit,
        page.offset,
      ) as Row[]
    ).map(toSession);
  }

  async findSessions(sessionId: string, projectId?: string): Promise<SessionRecord[]> {
    const rows =
      projectId === undefined
        ? this.stmt("SELECT * FROM sessions WHERE session_id = ? ORDER BY project_id").all(sessionId)
        : this.stmt("SELECT * FROM sessions WHERE session_id = ? AND project_id = ?").all(sessionId, projectId);
    return (rows as Row[]).map(toSession);
  }

  async upsertProject(p: ProjectRecord): Promise<void> {
    this.stmt(
      `INSERT INTO projects (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins`,
    ).run(p.id, p.name, JSON.stringify(p.allowedOrigins), p.createdAt);
  }

  async getProject(id: string): Promise<ProjectRecord | null> {
    const r = this.stmt("SELECT * FROM projects WHERE id = ?").get(id) as Row | undefined;
    return r ? toProject(r) : null;
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (this.stmt("SELECT * FROM projects ORDER BY id").all() as Row[]).map(toProject);
  }

  async addSecret(s: SecretRecord): Promise<void> {
    this.stmt("INSERT INTO project_secrets (hash, project_id, kind, created_at, revoked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING").run(
      s.hash,
      s.projectId,
      s.kind,
      s.createdAt,
      s.revokedAt,
    );
  }

  async findSecret(hash: string, kind: SecretKind): Promise<SecretRecord | null> {
    const r = this.stmt("SELECT * FROM project_secrets WHERE hash = ? AND kind = ?").get(hash, kind) as Row | undefined;
    return r ? toSecret(r) : null;
  }

  async listSecrets(projectId: string): Promise<SecretRecord[]> {
    return (this.stmt("SELECT * FROM project_secrets WHERE project_id = ? ORDER BY created_at, hash").all(projectId) as Row[]).map(toSecret);
  }

  async revokeSecret(hash: string, revokedAt: number): Promise<boolean> {
    return this.stmt("UPDATE project_secrets SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL").run(revokedAt, hash).changes === 1;
  }

  private readonly eraseTx = this.lazyTx((a: { projectId: string; userId: string }) => ({
    events: this.stmt("DELETE FROM events WHERE project_id = ? AND user_id = ?").run(a.projectId, a.userId).changes,
    sessions: this.stmt("DELETE FROM sessions WHERE project_id = ? AND user_id = ?").run(a.projectId, a.userId).changes,
  }));

  async eraseUser(projectId: string, userId: string): Promise<{ events: number; sessions: number }> {
    this.foldRollup();
    return this.eraseTx().immediate({ projectId, userId });
  }

  private readonly purgeTx = this.lazyTx((beforeTs: number) => {
    this.tiles.purge(beforeTs);
    return {
      events: this.stmt("DELETE FROM events WHERE ts < ?").run(beforeTs).changes,
      sessions: this.stmt("DELETE FROM sessions WHERE last_seen_at < ?").run(beforeTs).changes,
    };
  });

  async purgeBefore(beforeTs: number): Promise<{ events: number; sessions: number }> {
    this.foldRollup();
    return this.purgeTx().immediate(beforeTs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.foldRollup();
    this.closed = true;
    this.db.close();
  }
}
