import { DataTypes, QueryTypes, type QueryInterface, type Sequelize, type Transaction } from "sequelize";
import type { Dialect } from "./connect";
import { columnTypes, opt, req, type ColumnTypes } from "./column-types";
import { SequelizeStorageError } from "./errors";
import { carryRollupOver } from "./rollup-carry-over";
import { backfillRageClicks } from "./rage-backfill";
import { backfillElements, backfillScrolls, backfillSql, unfoldedActivity } from "./session-hours";
import { backfillClickCellsSql } from "./session-cells";
import { sessionKeySql } from "./sql";
import { DEFAULT_RAGE_CLICK_RULE, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";

interface MigrationContext {
  qi: QueryInterface;
  dialect: Dialect;
  types: ColumnTypes;
  transaction: Transaction;
  /** The adapter's rage-click rule, for deriving the runs of clicks already stored. */
  rageClicks: RageClickRule;
}

interface Migration {
  version: number;
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

const BIGINT = DataTypes.BIGINT;
const INTEGER = DataTypes.INTEGER;

/** Adds an index unless one of that name exists: MySQL DDL is not transactional, so a step
 * interrupted half-way must be re-runnable. */
async function ensureIndex(ctx: MigrationContext, table: string, name: string, fields: string[], unique = false): Promise<void> {
  const existing = (await ctx.qi.showIndex(table, { transaction: ctx.transaction })) as Array<{ name: string }>;
  if (existing.some((i) => i.name === name)) return;
  await ctx.qi.addIndex(table, fields, { name, unique, transaction: ctx.transaction });
}

/** Drops an index if it exists (re-runnable, like ensureIndex). */
async function dropIndex(ctx: MigrationContext, table: string, name: string): Promise<void> {
  const existing = (await ctx.qi.showIndex(table, { transaction: ctx.transaction })) as Array<{ name: string }>;
  if (existing.some((i) => i.name === name)) await ctx.qi.removeIndex(table, name, { transaction: ctx.transaction });
}

/**
 * Versioned schema: the same logical tables as the SQLite adapter (MIGRATIONS v1 there), plus `page_hash`
 * columns, because a 2048-character unicode page is too long to be an index key (PostgreSQL
 * B-tree rows max ~2.7 kB, InnoDB keys 3072 bytes). Reads filter on page_hash AND page, so the
 * hash only narrows; `ingest_tag` (MySQL only) tells a write which event rows it inserted. The
 * heat rollup is stored as the SQLite adapter stores it (tiles, v4), fed by `heat_journal`.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      const table = ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction };
      await qi.createTable(
        "projects",
        { id: req(c.id, { primaryKey: true }), name: req(c.text), allowed_origins: req(c.text), created_at: req(BIGINT) },
        table,
      );
      await qi.createTable(
        "project_secrets",
        {
          hash: req(c.key, { primaryKey: true }),
          project_id: req(c.id),
          kind: req(c.short),
          created_at: req(BIGINT),
          revoked_at: opt(BIGINT),
        },
        table,
      );
      await ensureIndex(ctx, "project_secrets", "project_secrets_project", ["project_id"]);
      await qi.createTable(
        "sessions",
        {
          project_id: req(c.id, { primaryKey: true }),
          session_id: req(c.id, { primaryKey: true }),
          user_id: opt(c.key),
          user_traits: opt(c.text),
          started_at: req(BIGINT),
          last_seen_at: req(BIGINT),
          first_path: req(c.text),
          event_count: req(INTEGER),
          app: opt(c.text),
          device: opt(c.text),
        },
        table,
      );
      await ensureIndex(ctx, "sessions", "sessions_recent", ["project_id", "last_seen_at", "session_id"]);
      await ensureIndex(ctx, "sessions", "sessions_user", ["project_id", "user_id", "last_seen_at"]);
      await ensureIndex(ctx, "sessions", "sessions_id", ["session_id"]);
      await qi.createTable(
        "events",
        {
          seq: req(BIGINT, { primaryKey: true, autoIncrement: true }),
          project_id: req(c.id),
          event_id: req(c.id),
          session_id: req(c.id),
          user_id: opt(c.key),
          type: req(c.short),
          ts: req(BIGINT),
          path: req(c.text),
          page: req(c.text),
          page_hash: req(c.hash),
          bucket: req(c.short),
          data: req(c.text),
          ...(ctx.dialect === "mysql" && { ingest_tag: opt("CHAR(32) CHARACTER SET ascii COLLATE ascii_bin") }),
        },
        table,
      );
      await ensureIndex(ctx, "events", "events_key", ["project_id", "event_id"], true);
      await ensureIndex(ctx, "events", "events_session", ["project_id", "session_id", "ts", "event_id"]);
      await ensureIndex(ctx, "events", "events_time", ["project_id", "ts", "event_id"]);
      await ensureIndex(ctx, "events", "events_page", ["project_id", "page_hash", "ts", "event_id"]);
      await ensureIndex(ctx, "events", "events_user", ["project_id", "user_id"]);
      await qi.createTable(
        "heat_rollup",
        {
          project_id: req(c.id, { primaryKey: true }),
          page_hash: req(c.hash, { primaryKey: true }),
          bucket: req(c.short, { primaryKey: true }),
          type: req(c.short, { primaryKey: true }),
          span: req(c.short, { primaryKey: true }),
          t: req(BIGINT, { primaryKey: true }),
          gx: req(INTEGER, { primaryKey: true }),
          gy: req(INTEGER, { primaryKey: true }),
          page: req(c.text),
          n: req(BIGINT),
        },
        table,
      );
      await ensureIndex(ctx, "heat_rollup", "heat_rollup_project", ["project_id", "span", "t"]);
    },
  },
  {
    version: 2,
    name: "heat rollup pending deltas",
    // Ingest appends its rollup deltas here (no unique key, so concurrent batches never wait on
    // each other's hot rollup rows); a folder moves them into heat_rollup; reads add both.
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      await qi.createTable(
        "heat_rollup_pending",
        {
          id: req(BIGINT, { primaryKey: true, autoIncrement: true }),
          project_id: req(c.id),
          page_hash: req(c.hash),
          page: req(c.text),
          bucket: req(c.short),
          type: req(c.short),
          span: req(c.short),
          t: req(BIGINT),
          gx: req(INTEGER),
          gy: req(INTEGER),
          n: req(BIGINT),
        },
        ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction },
      );
      await ensureIndex(ctx, "heat_rollup_pending", "heat_rollup_pending_project", ["project_id", "span", "t"]);
    },
  },
  {
    version: 3,
    name: "events keyed by session",
    // An event is identified by (project, session, event id), as on SQLite (its migration 6): a
    // batch's inserts then share a few index pages instead of one random page each. Reads order
    // ties in ts by event id, then session: the ordered indexes carry both, so that MySQL, which has
    // no incremental sort, never sorts a whole range to page through it. New indexes come first,
    // so reads always have one.
    async up(ctx) {
      await ensureIndex(ctx, "events", "events_session_key", ["project_id", "session_id", "event_id"], true);
      await dropIndex(ctx, "events", "events_key");
      await ensureIndex(ctx, "events", "events_by_time", ["project_id", "ts", "event_id", "session_id"]);
      await dropIndex(ctx, "events", "events_time");
      await ensureIndex(ctx, "events", "events_by_page", ["project_id", "page_hash", "ts", "event_id", "session_id"]);
      await dropIndex(ctx, "events", "events_page");
    },
  },
  {
    version: 4,
    name: "heat tiles and journal",
    // The SQLite adapter's tile layout (heat_dims, heat_tiles, heat_periods), fed by heat_journal:
    // one row per project and group transaction holding its new events' hour-level tiles, folded
    // into tiles by one folder at a time. Replaces heat_rollup and heat_rollup_pending, whose
    // counts are carried over exactly. Every step is re-runnable (MySQL DDL is not transactional).
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      const table = ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction };
      const blob = (long: boolean) => (ctx.dialect === "pg" ? "BYTEA" : long ? "LONGBLOB" : "BLOB");
      await qi.createTable(
        "heat_dims",
        {
          id: req(INTEGER, { primaryKey: true, autoIncrement: true }),
          project_id: req(c.id),
          page_hash: req(c.hash),
          page: req(c.text),
          bucket: req(c.short),
          type: req(c.short),
        },
        table,
      );
      await ensureIndex(ctx, "heat_dims", "heat_dims_key", ["project_id", "page_hash", "bucket", "type"], true);
      await qi.createTable(
        "heat_periods",
        {
          dim: req(INTEGER, { primaryKey: true }),
          span: req(c.short, { primaryKey: true }),
          t: req(BIGINT, { primaryKey: true }),
          n: req(BIGINT),
          max_gy: req(INTEGER),
        },
        table,
      );
      await qi.createTable(
        "heat_tiles",
        {
          dim: req(INTEGER, { primaryKey: true }),
          span: req(c.short, { primaryKey: true }),
          t: req(BIGINT, { primaryKey: true }),
          ty: req(INTEGER, { primaryKey: true }),
          tx: req(INTEGER, { primaryKey: true }),
          cells: req(blob(false)),
        },
        table,
      );
      await qi.createTable(
        "heat_journal",
        { id: req(BIGINT, { primaryKey: true, autoIncrement: true }), project_id: req(c.id), events: req(INTEGER), body: req(blob(true)) },
        table,
      );
      await ensureIndex(ctx, "heat_journal", "heat_journal_project", ["project_id"]);
      await carryRollupOver(qi.sequelize, ctx.dialect, transaction);
    },
  },
  {
    version: 5,
    name: "rage clicks",
    // The first click of each rage-click run (heat/rage-clicks.ts), re-derived by the fold around
    // the new clicks each journal row names (the fold lock serialises it across instances, and it
    // reads committed clicks only). The clicks already stored are derived here, with the adapter's rule.
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      const table = ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction };
      await qi.createTable(
        "rage_clicks",
        {
          project_id: req(c.id, { primaryKey: true }),
          session_id: req(c.id, { primaryKey: true }),
          event_id: req(c.id, { primaryKey: true }),
          ts: req(BIGINT),
          page_hash: req(c.hash),
          page: req(c.text),
          bucket: req(c.short),
          gx: req(INTEGER),
          gy: req(INTEGER),
          selector: opt(c.text),
        },
        table,
      );
      await ensureIndex(ctx, "rage_clicks", "rage_clicks_time", ["project_id", "ts"]);
      // Re-runnable (MySQL DDL commits): a step cut short after the table may have inserted runs.
      await qi.sequelize.query("DELETE FROM rage_clicks", { transaction });
      await backfillRageClicks(qi.sequelize, ctx.dialect, transaction, ctx.rageClicks);
    },
  },
  {
    version: 6,
    name: "session hours",
    // Per (project, UTC hour, page, bucket, session): events and clicks, for trend lines. The fold
    // adds each journal row's activity; the events already stored are counted here, less what
    // unfolded journal rows will add (re-runnable: emptied first, since MySQL DDL commits).
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      const table = ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction };
      await qi.createTable(
        "session_hours",
        {
          project_id: req(c.id, { primaryKey: true }),
          hour: req(BIGINT, { primaryKey: true }),
          page_hash: req(c.hash, { primaryKey: true }),
          bucket: req(c.short, { primaryKey: true }),
          session_id: req(c.id, { primaryKey: true }),
          page: req(c.text),
          events: req(INTEGER),
          clicks: req(INTEGER),
        },
        table,
      );
      await qi.sequelize.query("DELETE FROM session_hours", { transaction });
      await qi.sequelize.query(backfillSql(ctx.dialect), { transaction });
      await unfoldedActivity(qi.sequelize, transaction);
    },
  },
  {
    version: 7,
    name: "element hours",
    // Per (project, UTC hour, page, bucket, selector, session): clicks, for the element ranking.
    // Selectors (up to 4096 characters) are keyed by their SHA-256, as pages are. The fold adds each
    // journal row's element clicks; the clicks already stored are counted here, less what unfolded
    // journal rows will add (re-runnable: emptied first).
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      const table = ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction };
      await qi.createTable(
        "element_hours",
        {
          project_id: req(c.id, { primaryKey: true }),
          hour: req(BIGINT, { primaryKey: true }),
          page_hash: req(c.hash, { primaryKey: true }),
          bucket: req(c.short, { primaryKey: true }),
          selector_hash: req(c.hash, { primaryKey: true }),
          session_id: req(c.id, { primaryKey: true }),
          page: req(c.text),
          selector: req(c.text),
          clicks: req(INTEGER),
        },
        table,
      );
      await qi.sequelize.query("DELETE FROM element_hours", { transaction });
      await backfillElements(qi.sequelize, ctx.dialect, transaction);
    },
  },
  {
    version: 8,
    name: "scroll depth per session hour",
    // The scroll map: per session hour, the deepest scroll (whole percent), the largest scrollY and
    // the tallest viewport, merged by GREATEST by the fold (journal rows' scrolls section). The
    // events already stored are read here, rounded half up as the kernel's scrollOf rounds.
    async up(ctx) {
      const { qi, transaction } = ctx;
      const columns = (await qi.describeTable("session_hours", { transaction } as never)) as Record<string, unknown>;
      for (const name of ["max_depth", "max_scroll_y", "viewport_h"]) {
        if (!(name in columns)) await qi.addColumn("session_hours", name, req(INTEGER, { defaultValue: 0 }), { transaction });
      }
      await backfillScrolls(qi.sequelize, ctx.dialect, transaction);
    },
  },
  {
    version: 9,
    name: "clicked cells per session hour",
    // aggregation=unique_sessions: each session's clicked 8 px cells per UTC hour, once each, the
    // session as its sessionKey (computed here from the same MD5), keyed bucket first. The fold
    // adds each journal row's cells with ON CONFLICT DO NOTHING (or its MySQL spelling), so the
    // clicks already stored are read here whether or not their journal rows are folded yet.
    async up(ctx) {
      const { qi, types: c, transaction } = ctx;
      const table = ctx.dialect === "mysql" ? { engine: "InnoDB", charset: "utf8mb4", transaction } : { transaction };
      await qi.createTable(
        "click_cells",
        {
          project_id: req(c.id, { primaryKey: true }),
          bucket: req(c.short, { primaryKey: true }),
          page_hash: req(c.hash, { primaryKey: true }),
          hour: req(BIGINT, { primaryKey: true }),
          gy: req(INTEGER, { primaryKey: true }),
          gx: req(INTEGER, { primaryKey: true }),
          session_key: req(BIGINT, { primaryKey: true }),
          page: req(c.text),
        },
        table,
      );
      await qi.sequelize.query(backfillClickCellsSql(ctx.dialect), { transaction });
    },
  },
  {
    version: 10,
    name: "session keys on session and element hours",
    // Trend-line sessions, the element ranking's sessions, the scroll map's per-session depths and
    // unique visitors' sessions per bucket count or group sessions by sessionKey (an integer, as in
    // click_cells) instead of the id text (MariaDB at 1M: trend-line sessions 21 → 14 ms). The id
    // stays in each row's key, so upserts, the fold's carry-over and erasure are unchanged. NOT NULL
    // with no default: an instance of an older version still folding fails its fold (whose journal
    // rows a new instance then folds) rather than storing rows whose sessions would all count as one.
    async up(ctx) {
      const { qi, transaction } = ctx;
      for (const table of ["session_hours", "element_hours"]) {
        const columns = (await qi.describeTable(table, { transaction } as never)) as Record<string, unknown>;
        if (!("session_key" in columns)) await qi.addColumn(table, "session_key", opt(BIGINT), { transaction });
        await qi.sequelize.query(`UPDATE ${table} SET session_key = ${sessionKeySql(ctx.dialect, "session_id")}`, { transaction });
        const notNull = ctx.dialect === "pg" ? `ALTER TABLE ${table} ALTER COLUMN session_key SET NOT NULL` : `ALTER TABLE ${table} MODIFY session_key BIGINT NOT NULL`;
        await qi.sequelize.query(notNull, { transaction });
      }
    },
  },
];

const LOCK_KEY = 0x4843_4d47; // "HCMG": one advisory lock id for every heat-collector migrator

/** The collation MySQL/MariaDB offer for byte-order, no-padding comparison of utf8mb4 text. */
async function binCollation(sequelize: Sequelize): Promise<string> {
  const [row] = await sequelize.query<{ v: string }>("SELECT VERSION() AS v", { type: QueryTypes.SELECT });
  return /mariadb/i.test(row?.v ?? "") ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin";
}

/**
 * Applies every migration not yet recorded in hc_migrations, under a database-wide advisory lock
 * (pg_advisory_xact_lock / GET_LOCK) so that two processes starting at once apply each step once;
 * the second waits, then finds nothing left to do. `upTo` stops after that version (tests of a
 * later step's data migration).
 */
export async function runMigrations(sequelize: Sequelize, dialect: Dialect, options: { upTo?: number; rageClicks?: RageClickRule } = {}): Promise<number[]> {
  const types = columnTypes(dialect, dialect === "mysql" ? await binCollation(sequelize) : "");
  const applied: number[] = [];
  await sequelize.transaction(async (transaction) => {
    const q = (sql: string, bind: unknown[] = []) => sequelize.query(sql, { bind, transaction, type: QueryTypes.SELECT });
    let lockName = "";
    if (dialect === "pg") {
      // Transaction-scoped: released by COMMIT or ROLLBACK, so a failed step can never leak it.
      await q("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    } else {
      const [db] = (await q("SELECT DATABASE() AS db")) as Array<{ db: string }>;
      lockName = `heat-collector:migrate:${db?.db ?? ""}`.slice(0, 64);
      const [got] = (await q("SELECT GET_LOCK($1, 120) AS ok", [lockName])) as Array<{ ok: number | null }>;
      if (Number(got?.ok) !== 1) throw new SequelizeStorageError("migration_failed", "Timed out waiting for the migration lock.");
    }
    try {
      const qi = sequelize.getQueryInterface();
      await qi.createTable(
        "hc_migrations",
        { version: req(INTEGER, { primaryKey: true }), name: req(types.text), applied_at: req(BIGINT) },
        { transaction },
      );
      const done = new Set(((await q("SELECT version FROM hc_migrations")) as Array<{ version: number }>).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version) || m.version > (options.upTo ?? Infinity)) continue;
        await m.up({ qi, dialect, types, transaction, rageClicks: options.rageClicks ?? DEFAULT_RAGE_CLICK_RULE });
        await sequelize.query("INSERT INTO hc_migrations (version, name, applied_at) VALUES ($1, $2, $3)", {
          bind: [m.version, m.name, Date.now()],
          transaction,
          type: QueryTypes.INSERT,
        });
        applied.push(m.version);
      }
    } finally {
      if (dialect === "mysql") await q("SELECT RELEASE_LOCK($1) AS released", [lockName]);
    }
  });
  return applied;
}
