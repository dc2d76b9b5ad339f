import type Database from "better-sqlite3";
import type { StoredEvent } from "@m-software-engineering/heat-collector-kernel";
import { forEachSample } from "@m-software-engineering/heat-collector-kernel/dist/heat/grid";
import { NewClickCells } from "./session-hours";
import { sessionKeys } from "@m-software-engineering/heat-collector-kernel/dist/heat/session-key";
import { rederiveRageClicks, type ClickRow, type RageClickRecord, type RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import { TILE_CELLS, cellIndex, encodeTile, tileKey, tileX, tileY } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Data conversion that SQL alone cannot express, run after `sql` in the same transaction. */
  run?: (db: Database.Database, ctx: MigrationContext) => void;
}

/** What a data step may need from the adapter's options. */
export interface MigrationContext {
  rageClicks: RageClickRule;
}

/** Migration 13's data step: the cells of the clicks already stored (cell and key as the writer computes them). */
function backfillClickCells(db: Database.Database): void {
  const cells = new NewClickCells();
  const clicks = db.prepare("SELECT project_id, session_id, ts, page, bucket, data FROM events WHERE type = 'click'");
  for (const r of clicks.iterate() as Iterable<{ project_id: string; session_id: string; ts: number; page: string; bucket: string; data: string }>) {
    forEachSample({ type: "click", data: JSON.parse(r.data) } as StoredEvent, (gx, gy) => cells.add(r.project_id, r.ts, r.page, r.bucket, gx, gy, r.session_id));
  }
  cells.write((sql) => db.prepare(sql));
}

/**
 * Migration 15's data step: the session and element hours rebuilt with sessionKey beside the id, as
 * the writer computes it. A rebuild, not ADD COLUMN: SQLite adds a NOT NULL column only with a
 * default, and a default would let a process of an older version, still writing to the file, store
 * rows whose sessions all count as one; with no default its write fails and is retried instead.
 */
function addSessionKeys(db: Database.Database): void {
  const keyOf = sessionKeys();
  db.function("hc_session_key", { deterministic: true }, (id: unknown) => keyOf(String(id)));
  db.exec(`
    CREATE TABLE session_hours_v15 (
      project_id TEXT NOT NULL,
      hour INTEGER NOT NULL,
      page TEXT NOT NULL,
      bucket TEXT NOT NULL,
      session_id TEXT NOT NULL,
      events INTEGER NOT NULL,
      clicks INTEGER NOT NULL,
      max_depth INTEGER NOT NULL DEFAULT 0,
      max_scroll_y INTEGER NOT NULL DEFAULT 0,
      viewport_h INTEGER NOT NULL DEFAULT 0,
      session_key INTEGER NOT NULL,
      PRIMARY KEY (project_id, hour, page, bucket, session_id)
    ) WITHOUT ROWID;
    INSERT INTO session_hours_v15 (project_id, hour, page, bucket, session_id, events, clicks, max_depth, max_scroll_y, viewport_h, session_key)
      SELECT project_id, hour, page, bucket, session_id, events, clicks, max_depth, max_scroll_y, viewport_h, hc_session_key(session_id) FROM session_hours;
    DROP TABLE session_hours;
    ALTER TABLE session_hours_v15 RENAME TO session_hours;
    CREATE TABLE element_hours_v15 (
      project_id TEXT NOT NULL,
      hour INTEGER NOT NULL,
      page TEXT NOT NULL,
      bucket TEXT NOT NULL,
      selector TEXT NOT NULL,
      session_id TEXT NOT NULL,
      clicks INTEGER NOT NULL,
      session_key INTEGER NOT NULL,
      PRIMARY KEY (project_id, hour, page, bucket, selector, session_id)
    ) WITHOUT ROWID;
    INSERT INTO element_hours_v15 (project_id, hour, page, bucket, selector, session_id, clicks, session_key)
      SELECT project_id, hour, page, bucket, selector, session_id, clicks, hc_session_key(session_id) FROM element_hours;
    DROP TABLE element_hours;
    ALTER TABLE element_hours_v15 RENAME TO element_hours;
  `);
}

/** Migration 5's data step: every (dim, span, period) of the cell rollup re-encoded as tiles. */
function cellRowsToTiles(db: Database.Database): void {
  const periods = db
    .prepare(
      `SELECT d.id AS dim, s.project_id, s.page, s.bucket, s.type, s.span, s.t FROM heat_rollup_summary s
       JOIN heat_dims d ON d.project_id = s.project_id AND d.page = s.page AND d.bucket = s.bucket AND d.type = s.type`,
    )
    .all() as Array<{ dim: number; project_id: string; page: string; bucket: string; type: string; span: string; t: number }>;
  const cells = db.prepare("SELECT gx, gy, n FROM heat_rollup WHERE project_id = ? AND page = ? AND bucket = ? AND type = ? AND span = ? AND t = ?");
  const put = db.prepare("INSERT INTO heat_tiles (dim, span, t, ty, tx, cells) VALUES (?, ?, ?, ?, ?, ?)");
  for (const p of periods) {
    const tiles = new Map<number, Float64Array>();
    for (const c of cells.all(p.project_id, p.page, p.bucket, p.type, p.span, p.t) as Array<{ gx: number; gy: number; n: number }>) {
      const key = tileKey(c.gx, c.gy);
      let tile = tiles.get(key);
      if (!tile) tiles.set(key, (tile = new Float64Array(TILE_CELLS)));
      tile[cellIndex(c.gx, c.gy)] = c.n;
    }
    for (const [key, tile] of tiles) put.run(p.dim, p.span, p.t, tileY(key), tileX(key), encodeTile(tile));
  }
}

/**
 * Migration 6's data step: `events` rebuilt with (project, session, event id) as its unique key,
 * since SQLite cannot alter a table constraint. Every row keeps its seq (the fold positions point
 * at seqs), and AUTOINCREMENT keeps its high-water mark, so a purged seq is never handed out again.
 */
function rebuildEventsTable(db: Database.Database): void {
  const highWater = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() as number | undefined) ?? 0;
  db.exec(`
    CREATE TABLE events_v6 (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      project_id TEXT NOT NULL,
      event_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      user_id TEXT,
      type TEXT NOT NULL,
      ts INTEGER NOT NULL,
      path TEXT NOT NULL,
      page TEXT NOT NULL,
      bucket TEXT NOT NULL,
      data TEXT NOT NULL,
      UNIQUE (project_id, session_id, event_id)
    );
    INSERT INTO events_v6 (seq, project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data)
      SELECT seq, project_id, event_id, session_id, user_id, type, ts, path, page, bucket, data FROM events ORDER BY seq;
    DROP TABLE events;
    ALTER TABLE events_v6 RENAME TO events;
    CREATE INDEX events_session ON events (project_id, session_id, ts);
    CREATE INDEX events_time ON events (project_id, ts);
    CREATE INDEX events_page ON events (project_id, page, ts);
    CREATE INDEX events_user ON events (project_id, user_id) WHERE user_id IS NOT NULL;
  `);
  db.prepare("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'events'").run(highWater);
}

/**
 * Versioned schema of the SQLite adapter. Each step runs once, inside the same IMMEDIATE
 * transaction that records it, so two processes migrating one file at once cannot both apply it.
 */
/**
 * Migration 9's data step: the rage clicks of every click already stored, one session at a time,
 * in the order of the clicks index (no sort). Runs are collected while iterating (a statement
 * cannot run while another iterates on the connection) and inserted after: they are few.
 */
function backfillRageClicks(db: Database.Database, ctx: MigrationContext): void {
  const runs: RageClickRecord[] = [];
  let session: ClickRow[] = [];
  const flush = () => {
    if (session.length >= ctx.rageClicks.minClicks) runs.push(...rederiveRageClicks(session, [-Infinity, Infinity], ctx.rageClicks));
    session = [];
  };
  const clicks = db.prepare(
    `SELECT project_id, session_id, event_id, ts, page, bucket, data ->> '$.x' AS x, data ->> '$.y' AS y, data ->> '$.selector' AS selector
     FROM events INDEXED BY events_session_clicks WHERE type = 'click' ORDER BY project_id, session_id`,
  );
  for (const r of clicks.iterate() as IterableIterator<Record<string, string | number | null>>) {
    if (typeof r.x !== "number" || typeof r.y !== "number") continue;
    const c: ClickRow = {
      projectId: String(r.project_id),
      sessionId: String(r.session_id),
      eventId: String(r.event_id),
      ts: Number(r.ts),
      page: String(r.page),
      bucket: String(r.bucket),
      x: r.x,
      y: r.y,
      selector: typeof r.selector === "string" ? r.selector : null,
    };
    const last = session[session.length - 1];
    if (last && (last.projectId !== c.projectId || last.sessionId !== c.sessionId)) flush();
    session.push(c);
  }
  flush();
  const put = db.prepare("INSERT INTO rage_clicks (project_id, session_id, event_id, ts, page, bucket, gx, gy, selector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const x of runs) put.run(x.projectId, x.sessionId, x.eventId, x.ts, x.page, x.bucket, x.gx, x.gy, x.selector);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE project_secrets (
        hash TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX project_secrets_project ON project_secrets (project_id);
      CREATE TABLE sessions (
        project_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        user_id TEXT,
        user_traits TEXT,
        started_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        first_path TEXT NOT NULL,
        event_count INTEGER NOT NULL,
        app TEXT,
        device TEXT,
        PRIMARY KEY (project_id, session_id)
      ) WITHOUT ROWID;
      CREATE INDEX sessions_recent ON sessions (project_id, last_seen_at);
      CREATE INDEX sessions_user ON sessions (project_id, user_id, last_seen_at);
      CREATE INDEX sessions_id ON sessions (session_id);
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        user_id TEXT,
        type TEXT NOT NULL,
        ts INTEGER NOT NULL,
        path TEXT NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (project_id, event_id)
      );
      CREATE INDEX events_session ON events (project_id, session_id, ts, event_id);
      CREATE INDEX events_time ON events (project_id, ts, event_id);
      CREATE INDEX events_page ON events (project_id, page, ts);
      CREATE INDEX events_user ON events (project_id, user_id);
      CREATE TABLE heat_rollup (
        project_id TEXT NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        type TEXT NOT NULL,
        span TEXT NOT NULL,
        t INTEGER NOT NULL,
        gx INTEGER NOT NULL,
        gy INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (project_id, page, bucket, type, span, t, gx, gy)
      ) WITHOUT ROWID;
      CREATE INDEX heat_rollup_project ON heat_rollup (project_id, span, t);
      CREATE TABLE heat_rollup_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL
      );
      INSERT INTO heat_rollup_state (id, last_seq) VALUES (1, 0);
    `,
  },
  {
    version: 2,
    name: "heat rollup summary",
    // Per (page, bucket, type, hour/day) totals and deepest row, kept beside the cell rollup: the
    // heatmap summary then reads hundreds of rows instead of aggregating every cell row.
    sql: `
      CREATE TABLE heat_rollup_summary (
        project_id TEXT NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        type TEXT NOT NULL,
        span TEXT NOT NULL,
        t INTEGER NOT NULL,
        n INTEGER NOT NULL,
        max_gy INTEGER NOT NULL,
        PRIMARY KEY (project_id, page, bucket, type, span, t)
      ) WITHOUT ROWID;
      INSERT INTO heat_rollup_summary (project_id, page, bucket, type, span, t, n, max_gy)
        SELECT project_id, page, bucket, type, span, t, SUM(n), MAX(gy) FROM heat_rollup GROUP BY project_id, page, bucket, type, span, t;
    `,
  },
  {
    version: 3,
    name: "heat rollup month span backfill",
    // Stores folded before the "m" span existed have day rows but no month rows, so a whole-month
    // heatmap read nothing. A month's count is the sum of its days; MAX keeps month rows that are
    // already complete (folded after the upgrade, or whose early days were purged) from doubling.
    sql: `
      INSERT INTO heat_rollup (project_id, page, bucket, type, span, t, gx, gy, n)
        SELECT project_id, page, bucket, type, 'm',
               (CAST(strftime('%Y', t * 86400, 'unixepoch') AS INTEGER) - 1970) * 12 + CAST(strftime('%m', t * 86400, 'unixepoch') AS INTEGER) - 1 AS month,
               gx, gy, SUM(n)
        FROM heat_rollup WHERE span = 'd' GROUP BY project_id, page, bucket, type, month, gx, gy
        ON CONFLICT (project_id, page, bucket, type, span, t, gx, gy) DO UPDATE SET n = MAX(n, excluded.n);
      INSERT INTO heat_rollup_summary (project_id, page, bucket, type, span, t, n, max_gy)
        SELECT project_id, page, bucket, type, 'm',
               (CAST(strftime('%Y', t * 86400, 'unixepoch') AS INTEGER) - 1970) * 12 + CAST(strftime('%m', t * 86400, 'unixepoch') AS INTEGER) - 1 AS month,
               SUM(n), MAX(max_gy)
        FROM heat_rollup_summary WHERE span = 'd' GROUP BY project_id, page, bucket, type, month
        ON CONFLICT (project_id, page, bucket, type, span, t) DO UPDATE SET n = MAX(n, excluded.n), max_gy = MAX(max_gy, excluded.max_gy);
    `,
  },
  {
    version: 4,
    name: "drop heat_rollup_project",
    // As large as the rollup itself and written for every new cell row; page-less cell queries now
    // find their pages in heat_rollup_summary and use the primary key instead.
    sql: `DROP INDEX IF EXISTS heat_rollup_project;`,
  },
  {
    version: 5,
    name: "heat tiles",
    // One row per (dimension, period, 16 x 16-cell tile) instead of one per cell, keyed by an
    // integer dimension id: the fold writes a tenth of the rows, each with a short key, and reads
    // decode a few hundred tiles instead of aggregating tens of thousands of rows. Each span keeps
    // its own fold position, so hours, days and months are flushed in turn, each a shorter pause.
    sql: `
      CREATE TABLE heat_dims (
        id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        type TEXT NOT NULL,
        UNIQUE (project_id, page, bucket, type)
      );
      CREATE TABLE heat_periods (
        dim INTEGER NOT NULL,
        span TEXT NOT NULL,
        t INTEGER NOT NULL,
        n INTEGER NOT NULL,
        max_gy INTEGER NOT NULL,
        PRIMARY KEY (dim, span, t)
      ) WITHOUT ROWID;
      CREATE TABLE heat_tiles (
        dim INTEGER NOT NULL,
        span TEXT NOT NULL,
        t INTEGER NOT NULL,
        ty INTEGER NOT NULL,
        tx INTEGER NOT NULL,
        cells BLOB NOT NULL,
        PRIMARY KEY (dim, span, t, ty, tx)
      ) WITHOUT ROWID;
      INSERT INTO heat_dims (project_id, page, bucket, type)
        SELECT DISTINCT project_id, page, bucket, type FROM heat_rollup_summary ORDER BY project_id, page, bucket, type;
      INSERT INTO heat_periods (dim, span, t, n, max_gy)
        SELECT d.id, s.span, s.t, s.n, s.max_gy FROM heat_rollup_summary s
        JOIN heat_dims d ON d.project_id = s.project_id AND d.page = s.page AND d.bucket = s.bucket AND d.type = s.type;
    `,
    run: (db) => {
      cellRowsToTiles(db);
      db.exec(`
        CREATE TABLE heat_fold_state (span TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO heat_fold_state (span, last_seq)
          SELECT column1, (SELECT last_seq FROM heat_rollup_state WHERE id = 1) FROM (VALUES ('h'), ('d'), ('m'));
        DROP TABLE heat_rollup_state;
        DROP TABLE heat_rollup;
        DROP TABLE heat_rollup_summary;
      `);
    },
  },
  {
    version: 6,
    name: "events keyed by session; lean event indexes",
    // An event is identified by (project, session, event id). Keyed by project and event id alone,
    // every insert landed on a random page of a large unique index (the SDK's ids are random
    // UUIDs): ~100 pages written per batch of 50. Keyed by session, a batch's inserts share a
    // page or two. The other indexes lose their trailing event_id (ties in ts are few and are
    // sorted when read), and the user index holds identified events only.
    sql: "",
    run: rebuildEventsTable,
  },
  {
    version: 7,
    name: "rollup drains",
    // A span's pending counts are written a slice at a time (heat-drain.ts): while one is under way,
    // draining_to is the seq its span reaches once done and drained how many rows are written.
    sql: `
      ALTER TABLE heat_fold_state ADD COLUMN draining_to INTEGER;
      ALTER TABLE heat_fold_state ADD COLUMN drained INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 8,
    name: "event time indexes in one-second buckets",
    // Ordered by (ts, rowid), every insert of live traffic landed on a random page of the last few
    // seconds' keys: at ~30,000 events/s those span hundreds of pages, ~40 of them written per
    // batch of 50. Ordered by (ts / 1000, rowid), each second's events are appended in arrival
    // order, so a batch writes the last page of each second it covers. Reads sort within a
    // second (event-queries.ts).
    sql: `
      DROP INDEX events_time;
      DROP INDEX events_page;
      CREATE INDEX events_time ON events (project_id, ts / 1000);
      CREATE INDEX events_page ON events (project_id, page, ts / 1000);
    `,
  },
  {
    version: 9,
    name: "rage clicks",
    // The first click of each rage-click run (heat/rage-clicks.ts), re-derived around a session's
    // new clicks in the write that stores them; read aggregated, by exact time. The clicks already
    // stored are derived here, with the adapter's rule.
    sql: `
      CREATE TABLE rage_clicks (
        project_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        gx INTEGER NOT NULL,
        gy INTEGER NOT NULL,
        selector TEXT,
        PRIMARY KEY (project_id, session_id, event_id)
      );
      CREATE INDEX rage_clicks_time ON rage_clicks (project_id, ts);
      -- A session's clicks around new ones, without visiting its moves and scrolls: clicks only.
      CREATE INDEX events_session_clicks ON events (project_id, session_id, ts) WHERE type = 'click';
    `,
    run: backfillRageClicks,
  },
  {
    version: 10,
    name: "session hours",
    // Per (project, UTC hour, page, bucket, session): events and clicks, for trend lines (events
    // and clicks summed, sessions counted distinct). Grown in the write that stores the events;
    // the events already stored are counted here.
    sql: `
      CREATE TABLE session_hours (
        project_id TEXT NOT NULL,
        hour INTEGER NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        session_id TEXT NOT NULL,
        events INTEGER NOT NULL,
        clicks INTEGER NOT NULL,
        PRIMARY KEY (project_id, hour, page, bucket, session_id)
      ) WITHOUT ROWID;
      INSERT INTO session_hours (project_id, hour, page, bucket, session_id, events, clicks)
        SELECT project_id, ts / 3600000, page, bucket, session_id, COUNT(*), SUM(type = 'click') FROM events
        GROUP BY project_id, ts / 3600000, page, bucket, session_id;
    `,
  },
  {
    version: 11,
    name: "element hours",
    // Per (project, UTC hour, page, bucket, selector, session): clicks, for the element ranking
    // (clicks summed, sessions counted distinct). Grown in the write that stores the clicks; the
    // clicks already stored are counted here.
    sql: `
      CREATE TABLE element_hours (
        project_id TEXT NOT NULL,
        hour INTEGER NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        selector TEXT NOT NULL,
        session_id TEXT NOT NULL,
        clicks INTEGER NOT NULL,
        PRIMARY KEY (project_id, hour, page, bucket, selector, session_id)
      ) WITHOUT ROWID;
      INSERT INTO element_hours (project_id, hour, page, bucket, selector, session_id, clicks)
        SELECT project_id, ts / 3600000, page, bucket, data ->> '$.selector', session_id, COUNT(*) FROM events
        WHERE type = 'click' AND json_type(data, '$.selector') = 'text'
        GROUP BY project_id, ts / 3600000, page, bucket, data ->> '$.selector', session_id;
    `,
  },
  {
    version: 12,
    name: "scroll depth per session hour",
    // The scroll map: per session hour, the deepest scroll (whole percent), the largest scrollY and
    // the tallest viewport, merged by MAX (so a write adds nothing twice). The events already
    // stored are read here, rounded as the writer rounds (half up: CAST(x + 0.5 AS INTEGER)).
    sql: `
      ALTER TABLE session_hours ADD COLUMN max_depth INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE session_hours ADD COLUMN max_scroll_y INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE session_hours ADD COLUMN viewport_h INTEGER NOT NULL DEFAULT 0;
      CREATE TEMP TABLE scroll_backfill AS
        SELECT project_id, ts / 3600000 AS hour, page, bucket, session_id,
          MAX(CASE WHEN type = 'scroll' THEN CAST(MIN(100, MAX(0, data ->> '$.scrollDepthPct')) + 0.5 AS INTEGER) ELSE 0 END) AS d,
          MAX(CASE WHEN type = 'scroll' THEN CAST(MIN(1e9, MAX(0, data ->> '$.scrollY')) + 0.5 AS INTEGER) ELSE 0 END) AS y,
          MAX(CAST(MIN(1e6, MAX(0, COALESCE(data ->> '$.viewport.h', 0))) + 0.5 AS INTEGER)) AS h
        FROM events GROUP BY project_id, ts / 3600000, page, bucket, session_id;
      UPDATE session_hours SET (max_depth, max_scroll_y, viewport_h) = (
        SELECT d, y, h FROM scroll_backfill b WHERE b.project_id = session_hours.project_id AND b.hour = session_hours.hour
          AND b.page = session_hours.page AND b.bucket = session_hours.bucket AND b.session_id = session_hours.session_id
      );
      DROP TABLE scroll_backfill;
    `,
  },
  {
    version: 13,
    name: "clicked cells per session hour",
    // aggregation=unique_sessions: each session's clicked 8 px cells per UTC hour, once each (so a
    // retried click adds nothing), the session as its sessionKey. Keyed bucket first: a heatmap
    // reads its drawn buckets. The clicks already stored are read here with the grid's cell rule.
    sql: `
      CREATE TABLE click_cells (
        project_id TEXT NOT NULL,
        bucket TEXT NOT NULL,
        page TEXT NOT NULL,
        hour INTEGER NOT NULL,
        gy INTEGER NOT NULL,
        gx INTEGER NOT NULL,
        session_key INTEGER NOT NULL,
        PRIMARY KEY (project_id, bucket, page, hour, gy, gx, session_key)
      ) WITHOUT ROWID;
    `,
    run: backfillClickCells,
  },
  {
    version: 14,
    name: "derived rows keyed by session",
    // The rows a write derives, keyed so that one write's rows sit together (a write is one
    // session's batch), measured in WAL frames per bench batch (wal-census.mjs):
    // - click_cells: session before cell, so a batch's clicked cells share a leaf page instead of
    //   landing one per page across the hour (11.3 frames per batch before); reads scan the
    //   (bucket, page, hour) range either way, and the key holds the same columns.
    // - rage_clicks: one b-tree keyed (project, session, ts, event) in place of a rowid table and
    //   its (project, session, event) key. A write's re-derivation deletes its sessions' rage
    //   clicks by time, which walked the session's whole key range (or every session's time range)
    //   before. An event has one time, so the rows that are unique are the same.
    sql: `
      CREATE TABLE click_cells_v14 (
        project_id TEXT NOT NULL,
        bucket TEXT NOT NULL,
        page TEXT NOT NULL,
        hour INTEGER NOT NULL,
        session_key INTEGER NOT NULL,
        gy INTEGER NOT NULL,
        gx INTEGER NOT NULL,
        PRIMARY KEY (project_id, bucket, page, hour, session_key, gy, gx)
      ) WITHOUT ROWID;
      INSERT INTO click_cells_v14 (project_id, bucket, page, hour, session_key, gy, gx)
        SELECT project_id, bucket, page, hour, session_key, gy, gx FROM click_cells;
      DROP TABLE click_cells;
      ALTER TABLE click_cells_v14 RENAME TO click_cells;
      CREATE TABLE rage_clicks_v14 (
        project_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        page TEXT NOT NULL,
        bucket TEXT NOT NULL,
        gx INTEGER NOT NULL,
        gy INTEGER NOT NULL,
        selector TEXT,
        PRIMARY KEY (project_id, session_id, ts, event_id)
      ) WITHOUT ROWID;
      INSERT INTO rage_clicks_v14 (project_id, session_id, ts, event_id, page, bucket, gx, gy, selector)
        SELECT project_id, session_id, ts, event_id, page, bucket, gx, gy, selector FROM rage_clicks;
      DROP TABLE rage_clicks;
      ALTER TABLE rage_clicks_v14 RENAME TO rage_clicks;
      CREATE INDEX rage_clicks_time ON rage_clicks (project_id, ts);
    `,
  },
  {
    version: 15,
    name: "session keys on session and element hours",
    // Trend-line sessions, the element ranking's sessions, the scroll map's per-session depths and
    // unique visitors' sessions per bucket count or group sessions: by sessionKey (an integer, as
    // click_cells) instead of the 36-character id: 10–20% faster at 1M events (at 10M, no change).
    // The id stays the key of each row, so upserts and erasure are unchanged.
    sql: "",
    run: addSessionKeys,
  },
];
