import Database from "better-sqlite3";
import type { ProjectRecord, RollupSpan, SecretRecord, WriteResult } from "@m-software-engineering/heat-collector-kernel";
import { ROLLUP_SPANS } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
import { Checkpointer } from "./checkpointer";
import { dimKeyOf, HeatAccumulator } from "./heat-accumulator";
import { HeatDrain } from "./heat-drain";
import { HeatTileStore, registerTileFunctions } from "./heat-tiles";
import { MIGRATIONS, type Migration } from "./migrations";
import { NewClicks, RecentClicks } from "./rage-clicks";
import { NewActivity, NewClickCells, NewElementClicks } from "./session-hours";
import { sessionKey, sessionKeys } from "@m-software-engineering/heat-collector-kernel/dist/heat/session-key";
import { clickRow, DEFAULT_RAGE_CLICK_RULE, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import { openDatabase, StatementCache } from "./open-database";
import { toEvent, type Row } from "./rows";
import { EVENT_ROW, pushSamples, SESSION_ROW, type WriterBatch } from "./writer-batch";

/** Events per transaction when folding from the events table (start-up catch-up). */
const CATCH_UP_CHUNK = 20_000;
/**
 * Past this many pending dense tiles (1 KB each), every commit also freezes the fullest span and
 * writes a drain slice; past twice as many, the fullest span is written at once: bounds memory.
 */
const MAX_PENDING_TILES = 32_768;
/** Rollup rows per drain slice: a few milliseconds of writing. */
const SLICE_ROWS = 256;

/**
 * Counts rows of the events table (in seq order) into each accumulator whose span has not counted
 * them yet (seq past its position): every row is parsed and sampled once, whatever the spans.
 */
function countRows(rows: readonly Row[], into: ReadonlyArray<readonly [HeatAccumulator, number]>): void {
  const samples: number[] = [];
  for (const r of rows) {
    const seq = r.seq as number;
    const e = toEvent(r);
    samples.length = 0;
    pushSamples(e, samples);
    const key = dimKeyOf(e);
    for (const [acc, after] of into) if (seq > after) acc.addSamples(e, key, e.ts, seq, samples, 0, samples.length / 2);
  }
}

/** Every write operation, with its argument and result: what crosses the thread boundary. */
export interface WriterOps {
  migrate: [null, null];
  write: [WriterBatch, WriteResult];
  fold: [null, number];
  upsertProject: [ProjectRecord, null];
  addSecret: [SecretRecord, null];
  revokeSecret: [{ hash: string; revokedAt: number }, boolean];
  eraseUser: [{ projectId: string; userId: string }, { events: number; sessions: number }];
  purgeBefore: [number, { events: number; sessions: number }];
  close: [null, null];
}
export type WriterOp = keyof WriterOps;

/**
 * The one connection that writes. It runs on the writer thread (writer-thread.ts), so SQLite's
 * write work (inserts, rollup flushes, WAL checkpoints) never blocks the HTTP thread, and it
 * commits every batch queued while it was busy in one transaction, one savepoint per batch
 * (group commit): a failing batch rolls back alone.
 *
 * The heat rollup is maintained behind the writes: the samples of each newly stored event are
 * added to in-memory accumulators (one per span) once committed, and written to the tile rollup
 * by drains (a timer freezes one span per tick, in turn, and its rows are written a slice at a
 * time between commits) and by `fold()` before rollup reads, each span with its fold position
 * `heat_fold_state.last_seq`, so a crash loses nothing: the events after a span's position are
 * folded again at the next start.
 */
export class SqliteWriter {
  private readonly db: Database.Database;
  private readonly statements: StatementCache;
  /** One accumulator per span, each flushed with its own fold position. */
  private readonly heat: Record<RollupSpan, HeatAccumulator> = { h: new HeatAccumulator("h"), d: new HeatAccumulator("d"), m: new HeatAccumulator("m") };
  /** Per span, the frozen accumulator being written a slice at a time, if any. */
  private drains: Partial<Record<RollupSpan, HeatDrain>> = {};
  private nextSpan = 0;
  private readonly tiles = new HeatTileStore((sql) => this.stmt(sql));
  /** Each span's `last_seq` as this writer last wrote or read it; -1 until the first fold. */
  private readonly foldedSeq: Record<RollupSpan, number> = { h: -1, d: -1, m: -1 };
  /** Recent sessions' stored clicks, for re-deriving rage clicks without reading them back (rage-clicks.ts). */
  private readonly recentClicks = new RecentClicks();
  /** PRAGMA data_version when the last write began: it changes when another connection commits. */
  private dataVersion = -1;
  /**
   * Per span, PRAGMA data_version when its accumulator was last found to hold exactly the events
   * after the span's position. The version changes only when another connection commits, so while
   * it stays the same, every event since is one this writer counted.
   */
  private readonly startedAtVersion: Record<RollupSpan, number | undefined> = { h: undefined, d: undefined, m: undefined };
  private schemaReady = false;
  private readonly checkpointer: Checkpointer;

  constructor(
    file: string,
    private readonly rageClicks: RageClickRule = DEFAULT_RAGE_CLICK_RULE,
  ) {
    this.db = openDatabase(file);
    this.statements = new StatementCache(this.db);
    this.db.pragma("journal_size_limit = 67108864");
    // Savepoint and statement journals in memory: a savepoint per batch copies every page it touches.
    this.db.pragma("temp_store = MEMORY");
    registerTileFunctions(this.db);
    this.checkpointer = new Checkpointer(this.db, file);
  }

  /** PRAGMA data_version: it changes when another connection commits to the file. */
  private dataVersionNow(): number {
    return this.stmt("PRAGMA data_version").pluck().get() as number;
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** better-sqlite3 transactions can only be built once the database is open: build on first use. */
  private lazyTx<A, R>(fn: (arg: A) => R): () => Database.Transaction<(arg: A) => R> {
    let tx: Database.Transaction<(arg: A) => R> | undefined;
    return () => (tx ??= this.db.transaction(fn));
  }

  migrate(): null {
    this.db.exec("CREATE TABLE IF NOT EXISTS hc_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    const step = this.db.transaction((m: Migration) => {
      if (this.db.prepare("SELECT 1 FROM hc_migrations WHERE version = ?").get(m.version)) return;
      this.db.exec(m.sql);
      m.run?.(this.db, { rageClicks: this.rageClicks });
      this.db.prepare("INSERT INTO hc_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
    });
    for (const m of MIGRATIONS) step.immediate(m);
    this.statements.clear(); // statements prepared against dropped tables are stale
    this.fold();
    return null;
  }

  /** One batch; `fresh` holds (event index, seq) of each event it stored. */
  private readonly batchTx = this.lazyTx((batch: WriterBatch): { result: WriteResult; fresh: number[] } => {
    const insert = this.stmt(
      `INSERT INTO events (project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, session_id, event_id) DO NOTHING`,
    );
    const perSession = new Map<string, number>();
    const fresh: number[] = [];
    const clicks = new NewClicks();
    const keys = sessionKeys();
    const activity = new NewActivity(keys);
    const elements = new NewElementClicks(keys);
    const clickCells = new NewClickCells(keys);
    batch.events.forEach((row, i) => {
      const r = insert.run(row);
      if (r.changes === 1) {
        fresh.push(i, Number(r.lastInsertRowid));
        const sessionId = row[EVENT_ROW.sessionId];
        perSession.set(sessionId, (perSession.get(sessionId) ?? 0) + 1);
        const click = row[EVENT_ROW.type] === "click";
        if (click) {
          const [x, y] = [batch.clickXY[2 * i]!, batch.clickXY[2 * i + 1]!];
          const stored =
            Number.isNaN(x) || Number.isNaN(y)
              ? null
              : clickRow({ projectId: row[EVENT_ROW.projectId], sessionId, eventId: row[EVENT_ROW.eventId], ts: row[EVENT_ROW.ts], page: row[EVENT_ROW.page], bucket: row[EVENT_ROW.bucket], data: { x, y, selector: batch.selectors[i] } });
          clicks.add(row[EVENT_ROW.projectId], sessionId, row[EVENT_ROW.ts], stored);
          // A click has one sample, or none without numeric coordinates.
          const at = i === 0 ? 0 : batch.sampleEnd[i - 1]!;
          if (batch.sampleEnd[i]! > at) {
            clickCells.add(row[EVENT_ROW.projectId], row[EVENT_ROW.ts], row[EVENT_ROW.page], row[EVENT_ROW.bucket], batch.samples[2 * at]!, batch.samples[2 * at + 1]!, sessionId);
          }
        }
        activity.add(row[EVENT_ROW.projectId], row[EVENT_ROW.ts], row[EVENT_ROW.page], row[EVENT_ROW.bucket], sessionId, click, batch.views, i * 3);
        const selector = batch.selectors[i];
        if (selector != null) elements.add(row[EVENT_ROW.projectId], row[EVENT_ROW.ts], row[EVENT_ROW.page], row[EVENT_ROW.bucket], selector, sessionId);
      }
    });
    activity.write((sql) => this.stmt(sql));
    elements.write((sql) => this.stmt(sql));
    clickCells.write((sql) => this.stmt(sql));
    // In the batch's savepoint: a batch rolled back leaves its rage clicks as they were.
    clicks.rederive((sql) => this.stmt(sql), this.rageClicks, this.recentClicks);
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
      const row = [...s];
      row[SESSION_ROW.eventCount] = perSession.get(s[SESSION_ROW.sessionId]) ?? 0;
      upsert.run(row);
    }
    const inserted = fresh.length / 2;
    return { result: { inserted, duplicates: batch.events.length - inserted }, fresh };
  });

  /** Each batch in its own savepoint of one transaction; a batch's error is its result. */
  private readonly groupTx = this.lazyTx((batches: WriterBatch[]) =>
    batches.map((b) => {
      try {
        return this.batchTx()(b); // nested: a savepoint
      } catch (err) {
        this.recentClicks.clear(); // it may hold clicks the savepoint took back
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );

  /** Stores batches in one commit; per batch, its result or the error that rolled it back. */
  writeMany(batches: WriterBatch[]): Array<WriteResult | Error> {
    // Another connection committed (another writer on this file): its clicks are not in recentClicks.
    const version = this.dataVersionNow();
    if (version !== this.dataVersion) this.recentClicks.clear();
    this.dataVersion = version;
    let outcomes: ReturnType<ReturnType<typeof this.groupTx>>;
    try {
      outcomes = this.groupTx().immediate(batches);
    } catch (err) {
      this.recentClicks.clear();
      throw err;
    }
    // Only once committed: a rolled-back batch must add nothing to the rollup.
    const { h, d, m } = this.heat;
    outcomes.forEach((o, b) => {
      if (o instanceof Error) return;
      const { events, samples, sampleEnd } = batches[b]!;
      for (let k = 0; k < o.fresh.length; k += 2) {
        const i = o.fresh[k]!;
        const seq = o.fresh[k + 1]!;
        const row = events[i]!;
        const dim = { projectId: row[EVENT_ROW.projectId], page: row[EVENT_ROW.page], bucket: row[EVENT_ROW.bucket], type: row[EVENT_ROW.type] };
        const key = dimKeyOf(dim);
        const from = i === 0 ? 0 : sampleEnd[i - 1]!;
        const ts = row[EVENT_ROW.ts];
        h.addSamples(dim, key, ts, seq, samples, from, sampleEnd[i]!);
        d.addSamples(dim, key, ts, seq, samples, from, sampleEnd[i]!);
        m.addSamples(dim, key, ts, seq, samples, from, sampleEnd[i]!);
      }
    });
    return outcomes.map((o) => (o instanceof Error ? o : o.result));
  }

  /**
   * The upkeep a commit may call for, run once its batches are answered (writer-thread.ts), so
   * that they never wait for it: drains sped up past MAX_PENDING_TILES, a WAL restart.
   */
  afterWrites(): void {
    const pending = this.pendingTiles();
    if (pending > MAX_PENDING_TILES) {
      const { h, d, m } = this.heat;
      const fullest = [h, d, m].reduce((a, b) => (b.tileCount > a.tileCount ? b : a)).span;
      if (pending > 2 * MAX_PENDING_TILES) this.fold([fullest]);
      else {
        this.freezeSpan(fullest);
        this.drainSlice();
      }
    }
    this.checkpointer.afterCommit();
  }

  private pendingTiles(): number {
    let n = this.heat.h.tileCount + this.heat.d.tileCount + this.heat.m.tileCount;
    for (const drain of Object.values(this.drains)) n += drain.items.length;
    return n;
  }

  /** The stored fold position of each span. */
  private positions(): Record<RollupSpan, number> {
    const rows = this.stmt("SELECT span, last_seq FROM heat_fold_state").all() as Array<{ span: RollupSpan; last_seq: number }>;
    const at = { h: 0, d: 0, m: 0 };
    for (const r of rows) at[r.span] = r.last_seq;
    return at;
  }

  /**
   * Writes one span's accumulator if it holds exactly the events after that span's stored
   * position (no other process wrote events meanwhile); returns false, writing nothing, otherwise.
   */
  /**
   * True if the accumulator holds exactly the events after its span's stored position and the span
   * has no drain under way (no other process wrote events meanwhile). Inside a write transaction.
   */
  private holdsNextEvents(acc: HeatAccumulator): boolean {
    const state = this.stmt("SELECT last_seq, draining_to FROM heat_fold_state WHERE span = ?").get(acc.span) as { last_seq: number; draining_to: number | null };
    if (state.last_seq !== this.foldedSeq[acc.span] || state.draining_to !== null) return false;
    // No other connection has committed since this accumulator started: it holds every event after
    // the position, and counting them again (a scan of a second's events, 5–20 ms) would only agree.
    const version = this.dataVersionNow();
    if (version === this.startedAtVersion[acc.span]) return true;
    const upTo = acc.eventCount > 0 ? acc.maxSeq : state.last_seq;
    const between = this.stmt("SELECT COUNT(*) FROM events WHERE seq > ? AND seq <= ?").pluck().get(state.last_seq, upTo) as number;
    const newest = this.stmt("SELECT COALESCE(MAX(seq), 0) FROM events").pluck().get() as number;
    if (between !== acc.eventCount || (acc.eventCount === 0 && newest > state.last_seq)) return false;
    this.startedAtVersion[acc.span] = version;
    return true;
  }

  /** Writes one span's accumulator whole, with its fold position; false, writing nothing, if holdsNextEvents fails. */
  private readonly flushTx = this.lazyTx((acc: HeatAccumulator): boolean => {
    if (!this.holdsNextEvents(acc)) return false;
    if (acc.eventCount === 0) return true;
    this.tiles.write(acc);
    this.stmt("UPDATE heat_fold_state SET last_seq = ? WHERE span = ?").run(acc.maxSeq, acc.span);
    this.foldedSeq[acc.span] = acc.maxSeq;
    return true;
  });

  /** Records that the accumulator's drain starts; false if holdsNextEvents fails. */
  private readonly freezeTx = this.lazyTx((acc: HeatAccumulator): boolean => {
    if (!this.holdsNextEvents(acc)) return false;
    if (acc.eventCount > 0) this.stmt("UPDATE heat_fold_state SET draining_to = ?, drained = 0 WHERE span = ?").run(acc.maxSeq, acc.span);
    return true;
  });

  /**
   * Writes up to `rows` more rows of a span's drain, and how far it got; when the last is written,
   * moves the span's position to the drain's end. Returns the drain's new position, or null,
   * writing nothing, if the stored state is not the one this writer left (another process folded).
   */
  private readonly sliceTx = this.lazyTx(({ span, drain, rows }: { span: RollupSpan; drain: HeatDrain; rows: number }): number | null => {
    const state = this.stmt("SELECT last_seq, draining_to, drained FROM heat_fold_state WHERE span = ?").get(span) as { last_seq: number; draining_to: number | null; drained: number };
    if (state.last_seq !== this.foldedSeq[span] || state.draining_to !== drain.upTo || state.drained !== drain.next) return null;
    const end = Math.min(drain.items.length, drain.next + rows);
    this.tiles.writeItems(drain.items, drain.next, end);
    if (end < drain.items.length) this.stmt("UPDATE heat_fold_state SET drained = ? WHERE span = ?").run(end, span);
    else this.endDrain(span, drain.upTo);
    return end;
  });

  /** Events with seq in (after, upTo], in seq order, at most `limit`. */
  private eventsAfter(after: number, upTo: number, limit: number): Row[] {
    return this.stmt(
      "SELECT seq, project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
    ).all(after, upTo, limit) as Row[];
  }

  /** Moves a span's position to the end of its finished drain. */
  private endDrain(span: RollupSpan, upTo: number): void {
    this.stmt("UPDATE heat_fold_state SET last_seq = ?, draining_to = NULL, drained = 0 WHERE span = ?").run(upTo, span);
  }

  /** Writes a slice of the span's drain (all of it when rows is Infinity); false if sliceTx refused. */
  private drainSpan(span: RollupSpan, rows: number): boolean {
    const drain = this.drains[span];
    if (!drain) return true;
    const end = this.sliceTx().immediate({ span, drain, rows });
    if (end === null) return false;
    drain.next = end;
    if (drain.done) {
      this.foldedSeq[span] = drain.upTo;
      delete this.drains[span];
    }
    return true;
  }

  /**
   * Drains a crash left half-written: each span's accumulator is rebuilt from the events up to its
   * draining_to, and its rows are written from where `drained` says the last slice stopped.
   */
  private readonly resumeDrainsTx = this.lazyTx((_: null): void => {
    const open = this.stmt("SELECT span, last_seq, draining_to, drained FROM heat_fold_state WHERE draining_to IS NOT NULL").all() as Array<{
      span: RollupSpan;
      last_seq: number;
      draining_to: number;
      drained: number;
    }>;
    for (const o of open) {
      const acc = new HeatAccumulator(o.span);
      countRows(this.eventsAfter(o.last_seq, o.draining_to, -1), [[acc, o.last_seq]]);
      const drain = new HeatDrain(acc, o.draining_to);
      this.tiles.writeItems(drain.items, o.drained, drain.items.length);
      this.endDrain(o.span, o.draining_to);
    }
  });

  /** Folds events from the events table, `limit` at a time from the stored positions; returns how many. */
  private readonly foldTableTx = this.lazyTx((limit: number): number => {
    const at = this.positions();
    const from = Math.min(at.h, at.d, at.m);
    const rows = this.eventsAfter(from, Number.MAX_SAFE_INTEGER, limit);
    const last = rows.length > 0 ? (rows[rows.length - 1]!.seq as number) : from;
    const accs = ROLLUP_SPANS.map((span) => new HeatAccumulator(span));
    countRows(rows, accs.map((acc) => [acc, at[acc.span]] as const));
    for (const acc of accs) {
      const span = acc.span;
      this.tiles.write(acc);
      this.foldedSeq[span] = Math.max(at[span], last);
      this.stmt("UPDATE heat_fold_state SET last_seq = ? WHERE span = ?").run(this.foldedSeq[span], span);
    }
    return rows.length;
  });

  /** True once the schema exists (migrated here, or by another process / the CLI). */
  private hasSchema(): boolean {
    this.schemaReady ||= this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heat_fold_state'").get() !== undefined;
    return this.schemaReady;
  }

  /**
   * Brings the rollup of `spans` (all by default) up to date with every committed event; returns
   * how many events the furthest-behind span took in. Normally that writes the accumulators; when
   * a stored position is not where this writer left it (first use, or another process wrote
   * events), every accumulator is dropped and the events after the stored positions are folded
   * from the events table instead.
   */
  fold(spans: readonly RollupSpan[] = ROLLUP_SPANS): number {
    if (!this.hasSchema()) return 0;
    let folded = 0;
    for (const span of spans) {
      const acc = this.heat[span];
      const pending = acc.eventCount + (this.drains[span]?.events ?? 0);
      if (!this.drainSpan(span, Infinity) || !this.flushTx().immediate(acc)) return this.foldFromTable();
      acc.clear();
      folded = Math.max(folded, pending);
    }
    return folded;
  }

  private foldFromTable(): number {
    for (const span of ROLLUP_SPANS) this.heat[span].clear();
    this.drains = {};
    this.resumeDrainsTx().immediate(null);
    let total = 0;
    for (;;) {
      const n = this.foldTableTx().immediate(CATCH_UP_CHUNK);
      total += n;
      // A long catch-up is a run of commits with no pause: the WAL must still start over now and then.
      this.checkpointer.afterCommit();
      if (n < CATCH_UP_CHUNK) return total;
    }
  }

  /**
   * The timer's step: the next span in turn (unless its last drain is still under way) starts
   * draining what it holds. The rows are then written by drainSlice, a slice at a time.
   */
  freezeNextSpan(): void {
    if (!this.hasSchema()) return;
    const span = ROLLUP_SPANS[this.nextSpan]!;
    this.nextSpan = (this.nextSpan + 1) % ROLLUP_SPANS.length;
    this.freezeSpan(span);
  }

  /** The span starts draining what it holds, unless its last drain is still under way. */
  private freezeSpan(span: RollupSpan): void {
    if (this.drains[span]) return;
    const acc = this.heat[span];
    if (!this.freezeTx().immediate(acc)) {
      this.foldFromTable();
      return;
    }
    if (acc.eventCount === 0) return;
    this.drains[span] = new HeatDrain(acc, acc.maxSeq);
    this.heat[span] = new HeatAccumulator(span);
  }

  /** Writes one slice of the oldest drain under way; true while drain work remains. */
  drainSlice(): boolean {
    const span = ROLLUP_SPANS.find((s) => this.drains[s]);
    if (!span) return false;
    if (!this.drainSpan(span, SLICE_ROWS)) this.foldFromTable();
    this.checkpointer.afterCommit();
    return ROLLUP_SPANS.some((s) => this.drains[s]);
  }

  upsertProject(p: ProjectRecord): null {
    this.stmt(
      `INSERT INTO projects (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins`,
    ).run(p.id, p.name, JSON.stringify(p.allowedOrigins), p.createdAt);
    return null;
  }

  addSecret(s: SecretRecord): null {
    this.stmt("INSERT INTO project_secrets (hash, project_id, kind, created_at, revoked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING").run(
      s.hash,
      s.projectId,
      s.kind,
      s.createdAt,
      s.revokedAt,
    );
    return null;
  }

  revokeSecret(a: { hash: string; revokedAt: number }): boolean {
    return this.stmt("UPDATE project_secrets SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL").run(a.revokedAt, a.hash).changes === 1;
  }

  private readonly eraseTx = this.lazyTx((a: { projectId: string; userId: string }) => {
    // Rage clicks name sessions and events: they go with the user's sessions.
    this.stmt("DELETE FROM rage_clicks WHERE project_id = ? AND session_id IN (SELECT session_id FROM sessions WHERE project_id = ? AND user_id = ?)").run(
      a.projectId,
      a.projectId,
      a.userId,
    );
    this.stmt("DELETE FROM element_hours WHERE project_id = ? AND session_id IN (SELECT session_id FROM sessions WHERE project_id = ? AND user_id = ?)").run(
      a.projectId,
      a.projectId,
      a.userId,
    );
    // Clicked cells name sessions by key (sessionKey): the user's sessions' keys, computed here.
    const sessions = this.stmt("SELECT session_id FROM sessions WHERE project_id = ? AND user_id = ?").pluck().all(a.projectId, a.userId) as string[];
    this.stmt("DELETE FROM click_cells WHERE project_id = ? AND session_key IN (SELECT value FROM json_each(?))").run(
      a.projectId,
      JSON.stringify(sessions.map(sessionKey)),
    );
    this.stmt("DELETE FROM session_hours WHERE project_id = ? AND session_id IN (SELECT session_id FROM sessions WHERE project_id = ? AND user_id = ?)").run(
      a.projectId,
      a.projectId,
      a.userId,
    );
    return {
      events: this.stmt("DELETE FROM events WHERE project_id = ? AND user_id = ?").run(a.projectId, a.userId).changes,
      sessions: this.stmt("DELETE FROM sessions WHERE project_id = ? AND user_id = ?").run(a.projectId, a.userId).changes,
    };
  });

  /** Rollup counts are anonymous and stay: the user's events are folded before they go. */
  eraseUser(a: { projectId: string; userId: string }): { events: number; sessions: number } {
    this.recentClicks.clear();
    this.fold();
    return this.eraseTx().immediate(a);
  }

  private readonly purgeTx = this.lazyTx((beforeTs: number) => {
    this.tiles.purge(beforeTs);
    this.stmt("DELETE FROM rage_clicks WHERE ts < ?").run(beforeTs);
    // Whole hours only: an hour that began before the cut-off keeps its counts until it has ended.
    this.stmt("DELETE FROM session_hours WHERE hour < ?").run(Math.floor(beforeTs / 3_600_000));
    this.stmt("DELETE FROM element_hours WHERE hour < ?").run(Math.floor(beforeTs / 3_600_000));
    this.stmt("DELETE FROM click_cells WHERE hour < ?").run(Math.floor(beforeTs / 3_600_000));
    return {
      events: this.stmt("DELETE FROM events WHERE ts < ?").run(beforeTs).changes,
      sessions: this.stmt("DELETE FROM sessions WHERE last_seen_at < ?").run(beforeTs).changes,
    };
  });

  purgeBefore(beforeTs: number): { events: number; sessions: number } {
    this.recentClicks.clear();
    this.fold();
    return this.purgeTx().immediate(beforeTs);
  }

  /** Runs one operation other than `write` (see writeMany). */
  run<K extends Exclude<WriterOp, "write">>(op: K, arg: WriterOps[K][0]): WriterOps[K][1] {
    const ops: { [P in Exclude<WriterOp, "write">]: (a: WriterOps[P][0]) => WriterOps[P][1] } = {
      migrate: () => this.migrate(),
      fold: () => this.fold(),
      upsertProject: (a) => this.upsertProject(a),
      addSecret: (a) => this.addSecret(a),
      revokeSecret: (a) => this.revokeSecret(a),
      eraseUser: (a) => this.eraseUser(a),
      purgeBefore: (a) => this.purgeBefore(a),
      close: () => this.close(),
    };
    return (ops[op] as (a: WriterOps[K][0]) => WriterOps[K][1])(arg);
  }

  close(): null {
    if (!this.db.open) return null;
    this.fold();
    this.checkpointer.stop();
    this.db.close();
    return null;
  }
}
