import { rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type {
  DerivedFilter,
  ElementFilter,
  SessionCellFilter,
  SessionCellRow,
  SessionGridFilter,
  SessionSummaryRow,
  ElementRow,
  EventFilter,
  PageRequest,
  ProjectRecord,
  RageClickCellRow,
  RageClickSummaryRow,
  RollupCellFilter,
  RollupCellGroup,
  RollupFilter,
  RollupSummaryRow,
  SecretKind,
  SecretRecord,
  ScrollDepthRow,
  ScrollFilter,
  SeriesFilter,
  SeriesRow,
  SessionFilter,
  SessionRecord,
  StorageAdapter,
  StoredEvent,
  WriteBatch,
  WriteResult,
} from "@m-software-engineering/heat-collector-kernel";
import { checkRageClickRule, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import { eventQuery, scanQuery } from "./event-queries";
import { rageClickCells, rageClickSummary } from "./rage-clicks";
import { scrollDepths, timeseries, topElements } from "./session-hours";
import { sessionCells, sessionSummary } from "./session-cells";
import { HeatTileStore } from "./heat-tiles";
import { openDatabase, StatementCache } from "./open-database";
import { toEvent, toProject, toSecret, toSession, type Param, type Row } from "./rows";
import { toWriterBatch } from "./writer-batch";
import { WriterLink } from "./writer-link";

export interface SqliteStorageOptions {
  /** Database file; ":memory:" for a throwaway store (a temporary file, removed on close). */
  file: string;
  /** How often each span's heat increments held in memory are written to the rollup (ms; the
   * spans take turns, so a flush happens every third of it). Default 1000. */
  rollupIntervalMs?: number;
  /** How rage clicks are told apart (heat/rage-clicks.ts); default 3 clicks within 30 px and 1 s. */
  rageClicks?: Partial<RageClickRule>;
}

const SCAN_PAGE = 2000;

/**
 * The embedded store, on better-sqlite3 in WAL mode, with two connections: this one, on the
 * caller's thread, only reads (WAL readers never wait for the writer); every write goes to the
 * writer thread (writer.ts), which owns the other connection, commits concurrent batches together
 * and keeps the heat rollup. A write's promise resolves once it is committed, so a read issued
 * after it sees it; rollup reads ask the writer to fold first.
 */
export class SqliteStorage implements StorageAdapter {
  readonly name = "sqlite";
  private readonly db: Database.Database;
  private readonly statements: StatementCache;
  private readonly tiles = new HeatTileStore((sql) => this.stmt(sql));
  private readonly writer: WriterLink;
  private readonly throwaway: string | undefined;
  private closed = false;

  constructor(options: SqliteStorageOptions) {
    // Two connections cannot share an in-memory database: a throwaway store is a temporary file.
    this.throwaway = options.file === ":memory:" ? mkdtempSync(join(tmpdir(), "heat-collector-")) : undefined;
    const file = this.throwaway ? join(this.throwaway, "heat.db") : options.file;
    this.db = openDatabase(file);
    this.statements = new StatementCache(this.db);
    const rule = checkRageClickRule(options.rageClicks ?? {});
    if (typeof rule === "string") throw new TypeError(rule);
    this.writer = new WriterLink({ file, rollupIntervalMs: options.rollupIntervalMs ?? 1000, rageClicks: rule });
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  async migrate(): Promise<void> {
    await this.writer.call("migrate", null);
    this.statements.clear(); // statements prepared against tables a migration dropped are stale
  }

  writeBatch(batch: WriteBatch): Promise<WriteResult> {
    return this.writer.call("write", toWriterBatch(batch));
  }

  /** Brings the heat rollup up to date with every committed event; resolves to how many were folded. */
  foldRollup(): Promise<number> {
    return this.writer.call("fold", null);
  }

  async listPages(projectId: string): Promise<string[]> {
    await this.foldRollup(); // a page's dimension is created when its first samples are written
    return this.tiles.pages(projectId);
  }

  /** Rage clicks are derived in the write that stores their clicks: committed writes are read as they are. */
  async rageClickSummary(filter: DerivedFilter): Promise<RageClickSummaryRow[]> {
    return rageClickSummary((sql) => this.stmt(sql), filter);
  }

  async rageClickCells(filter: DerivedFilter & { buckets: readonly string[]; cellFactor: number }): Promise<RageClickCellRow[]> {
    return rageClickCells((sql) => this.stmt(sql), filter);
  }

  /** Session hours and rage clicks are written with their events: committed writes are read as they are. */
  async timeseries(filter: SeriesFilter): Promise<SeriesRow[]> {
    return timeseries((sql) => this.stmt(sql), filter);
  }

  async scrollDepths(filter: ScrollFilter): Promise<ScrollDepthRow[]> {
    return scrollDepths((sql) => this.stmt(sql), filter);
  }

  /** Clicked cells and rage clicks are written with their events: committed writes are read as they are. */
  async sessionSummary(filter: SessionCellFilter): Promise<SessionSummaryRow[]> {
    return sessionSummary((sql) => this.stmt(sql), filter);
  }

  async sessionCells(filter: SessionGridFilter): Promise<SessionCellRow[]> {
    return sessionCells((sql) => this.stmt(sql), filter);
  }

  async topElements(filter: ElementFilter): Promise<{ rows: ElementRow[]; totalClicks: number }> {
    return topElements((sql) => this.stmt(sql), filter);
  }

  async rollupSummary(filter: RollupFilter): Promise<RollupSummaryRow[]> {
    await this.foldRollup();
    return this.tiles.summary(filter);
  }

  async rollupCells(filter: RollupCellFilter): Promise<RollupCellGroup[]> {
    await this.foldRollup();
    return await this.tiles.cells(filter);
  }

  async *scanEvents(filter: EventFilter): AsyncIterable<StoredEvent> {
    // Keyset pages, never an open cursor: other requests use this connection between pages.
    let q = scanQuery(filter);
    for (;;) {
      const rows = this.stmt(`SELECT * FROM ${q.from} WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ${SCAN_PAGE}`).all(...q.params) as Row[];
      for (const r of rows) yield toEvent(r);
      if (rows.length < SCAN_PAGE) return;
      const last = rows[rows.length - 1]!;
      q = scanQuery(filter, { ts: last.ts as number, seq: last.seq as number });
    }
  }

  async listEvents(filter: EventFilter, page: PageRequest): Promise<StoredEvent[]> {
    const q = eventQuery(filter);
    return (this.stmt(`SELECT * FROM ${q.from} WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`).all(...q.params, page.limit, page.offset) as Row[]).map(toEvent);
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
    if (filter.pages !== undefined) {
      clauses.push("EXISTS (SELECT 1 FROM events e WHERE e.project_id = s.project_id AND e.session_id = s.session_id AND e.page IN (SELECT value FROM json_each(?)))");
      params.push(JSON.stringify(filter.pages));
    }
    return (
      this.stmt(`SELECT s.* FROM sessions s WHERE ${clauses.join(" AND ")} ORDER BY s.last_seen_at DESC, s.session_id DESC LIMIT ? OFFSET ?`).all(
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
    await this.writer.call("upsertProject", p);
  }

  async getProject(id: string): Promise<ProjectRecord | null> {
    const r = this.stmt("SELECT * FROM projects WHERE id = ?").get(id) as Row | undefined;
    return r ? toProject(r) : null;
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (this.stmt("SELECT * FROM projects ORDER BY id").all() as Row[]).map(toProject);
  }

  async addSecret(s: SecretRecord): Promise<void> {
    await this.writer.call("addSecret", s);
  }

  async findSecret(hash: string, kind: SecretKind): Promise<SecretRecord | null> {
    const r = this.stmt("SELECT * FROM project_secrets WHERE hash = ? AND kind = ?").get(hash, kind) as Row | undefined;
    return r ? toSecret(r) : null;
  }

  async listSecrets(projectId: string): Promise<SecretRecord[]> {
    return (this.stmt("SELECT * FROM project_secrets WHERE project_id = ? ORDER BY created_at, hash").all(projectId) as Row[]).map(toSecret);
  }

  revokeSecret(hash: string, revokedAt: number): Promise<boolean> {
    return this.writer.call("revokeSecret", { hash, revokedAt });
  }

  eraseUser(projectId: string, userId: string): Promise<{ events: number; sessions: number }> {
    return this.writer.call("eraseUser", { projectId, userId });
  }

  purgeBefore(beforeTs: number): Promise<{ events: number; sessions: number }> {
    return this.writer.call("purgeBefore", beforeTs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
    if (this.throwaway) rmSync(this.throwaway, { recursive: true, force: true });
  }
}
