import { HOUR_MS, periodIndex, ROLLUP_SPANS, type RollupSpan } from "@m-software-engineering/heat-collector-kernel";
import { addTiles, tileKey, tileX, tileY, TILE_SIDE } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-codec";
import type { Dialect } from "./connect";
import type { RageClickRule } from "@m-software-engineering/heat-collector-kernel/dist/heat/rage-clicks";
import { readJournal, type JournalClicks } from "./heat-journal";
import { foldRageClicks, mergeClickSpans } from "./rage-fold";
import { foldActivity, foldElements } from "./session-hours";
import { foldClickCells } from "./session-cells";
import type { JournalActivity, JournalClickCell, JournalElement, JournalScroll } from "./heat-journal";
import { inTransaction, type RawConnection } from "./raw-connection";
import { TimeSlices } from "./time-slices";
import { packBuffers, unnestColumns } from "./pg-binds";
import { num, str, type Row } from "./rows";
import { pageHash } from "./sql";

/** Journal rows one fold transaction takes (each holds up to a group's events). */
export const FOLD_ROWS = 128;

const FOLD_LOCK_KEY = 0x4843_4844; // "HCHD": the one folder at a time, database-wide (PostgreSQL)
const MYSQL_FOLD_LOCK = "LEFT(CONCAT('heat-collector:fold:', DATABASE()), 64)";

/**
 * Runs `fn` in a transaction holding the fold lock (PostgreSQL: a transaction-scoped advisory lock;
 * MySQL: GET_LOCK, released after COMMIT so no other folder reads tiles before this one's are
 * visible). Without `wait`, answers `undefined` at once if another connection holds it.
 */
export async function withFoldLock<T>(c: RawConnection, dialect: Dialect, wait: boolean, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
  if (dialect === "pg") {
    return inTransaction(c, async () => {
      const [r] = await c.query(wait ? "SELECT pg_advisory_xact_lock($1), true AS ok" : "SELECT pg_try_advisory_xact_lock($1) AS ok", [FOLD_LOCK_KEY]);
      return r?.ok === true ? { value: await fn() } : undefined;
    });
  }
  const [r] = await c.query(`SELECT GET_LOCK(${MYSQL_FOLD_LOCK}, ?) AS ok`, [wait ? 120 : 0]);
  if (num(r?.ok) !== 1) return undefined;
  try {
    return { value: await inTransaction(c, fn) };
  } finally {
    await c.query(`SELECT RELEASE_LOCK(${MYSQL_FOLD_LOCK}) AS released`);
  }
}

/** A (dimension, span, period) being folded: its totals and its tiles (key → encoded cells). */
interface FoldPeriod {
  dimKey: string;
  span: RollupSpan;
  t: number;
  n: number;
  maxGy: number;
  tiles: Map<number, Buffer>;
}

interface Dim {
  projectId: string;
  page: string;
  pageHash: string;
  bucket: string;
  type: string;
}
const dimKeyOf = (projectId: string, hash: string, bucket: string, type: string): string => `${projectId}\u0000${hash}\u0000${bucket}\u0000${type}`;

/** A tile's key and a dimension's columns, as rows of both dialects' multi-row statements. */
const keyOfTile = (x: TileRowOut): unknown[] => [x.dim, x.span, x.t, x.ty, x.tx];
const dimRow = (d: Dim): unknown[] => [d.projectId, d.pageHash, d.page, d.bucket, d.type];

/** Splits rows for MySQL multi-row statements (tiles are at most ~1.3 kB). */
function parts<T>(rows: readonly T[], size = 2000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Dimension ids, created if new. `cache` maps dimension keys to ids; dimensions are never deleted,
 * but one created by a transaction that then rolls back is: the caller clears the cache on failure.
 */
async function dimIds(c: RawConnection, dialect: Dialect, cache: Map<string, number>, dims: ReadonlyMap<string, Dim>): Promise<void> {
  const missing = [...dims.entries()].filter(([k]) => !cache.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, d]) => d);
  if (missing.length === 0) return;
  let rows: Row[];
  if (dialect === "pg") {
    await c.run(
      "INSERT INTO heat_dims (project_id, page_hash, page, bucket, type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING",
      unnestColumns(missing.map(dimRow), 5),
    );
    rows = await c.query("SELECT id, project_id, page_hash, bucket, type FROM heat_dims WHERE project_id = ANY($1::text[]) AND page_hash = ANY($2::text[])", [
      [...new Set(missing.map((d) => d.projectId))],
      [...new Set(missing.map((d) => d.pageHash))],
    ]);
  } else {
    await c.run("INSERT INTO heat_dims (project_id, page_hash, page, bucket, type) VALUES ? ON DUPLICATE KEY UPDATE id = id", [missing.map(dimRow)]);
    rows = await c.query("SELECT id, project_id, page_hash, bucket, type FROM heat_dims WHERE project_id IN (?) AND page_hash IN (?)", [
      [...new Set(missing.map((d) => d.projectId))],
      [...new Set(missing.map((d) => d.pageHash))],
    ]);
  }
  for (const r of rows) cache.set(dimKeyOf(str(r.project_id), str(r.page_hash), str(r.bucket), str(r.type)), num(r.id));
}

interface TileRowOut {
  dim: number;
  span: RollupSpan;
  t: number;
  ty: number;
  tx: number;
  cells: Buffer;
}

/** The stored cells of these tiles, by "dim span t ty tx". */
async function readTiles(c: RawConnection, dialect: Dialect, tiles: readonly TileRowOut[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const add = (r: Row) => found.set(`${num(r.dim)} ${str(r.span)} ${num(r.t)} ${num(r.ty)} ${num(r.tx)}`, r.cells as Buffer);
  if (dialect === "pg") {
    const rows = await c.query(
      `SELECT h.dim, h.span, h.t, h.ty, h.tx, h.cells FROM unnest($1::int[], $2::text[], $3::bigint[], $4::int[], $5::int[]) AS k(dim, span, t, ty, tx)
       JOIN heat_tiles h ON h.dim = k.dim AND h.span = k.span AND h.t = k.t AND h.ty = k.ty AND h.tx = k.tx`,
      unnestColumns(tiles.map(keyOfTile), 5),
    );
    rows.forEach(add);
    return found;
  }
  for (const part of parts(tiles)) {
    const keys = part.map(keyOfTile);
    (await c.query("SELECT dim, span, t, ty, tx, cells FROM heat_tiles WHERE (dim, span, t, ty, tx) IN (?)", [keys])).forEach(add);
  }
  return found;
}

/**
 * Moves up to FOLD_ROWS journal rows into heat_tiles and heat_periods, inside the caller's
 * transaction, which holds the fold lock (so this read-modify-write of tiles is the only one):
 * each hour record counts in its hour, day and month; tiles are merged with the stored ones in JS
 * (tile codec), written in key order with one statement per table, and exactly the journal rows
 * read are deleted (ids commit out of order, so never `id <=`). The rage clicks of the sessions
 * whose new clicks the rows name are re-derived in the same transaction (rage-fold.ts). Answers
 * the rows and events folded.
 */
export async function foldJournal(c: RawConnection, dialect: Dialect, dims: Map<string, number>, rage: RageClickRule): Promise<{ rows: number; events: number }> {
  const journal = await c.query(`SELECT id, project_id, events, body FROM heat_journal ORDER BY id LIMIT ${FOLD_ROWS}`);
  if (journal.length === 0) return { rows: 0, events: 0 };
  const periods = new Map<string, FoldPeriod>();
  const dimsSeen = new Map<string, Dim>();
  let events = 0;
  const clicks: Array<{ projectId: string; clicks: JournalClicks[] }> = [];
  const activity: Array<{ projectId: string; activity: JournalActivity[]; scrolls: JournalScroll[] }> = [];
  const elements: Array<{ projectId: string; elements: JournalElement[] }> = [];
  const clickCells: Array<{ projectId: string; clickCells: JournalClickCell[] }> = [];
  const slices = new TimeSlices();
  for (const row of journal) {
    if (slices.due()) await slices.yield();
    const projectId = str(row.project_id);
    events += num(row.events);
    const body = readJournal(row.body as Buffer);
    clicks.push({ projectId, clicks: body.clicks });
    activity.push({ projectId, activity: body.activity, scrolls: body.scrolls });
    elements.push({ projectId, elements: body.elements });
    clickCells.push({ projectId, clickCells: body.clickCells });
    for (const rec of body.records) {
      const hash = pageHash(rec.page);
      const dimKey = dimKeyOf(projectId, hash, rec.bucket, rec.type);
      if (!dimsSeen.has(dimKey)) dimsSeen.set(dimKey, { projectId, page: rec.page, pageHash: hash, bucket: rec.bucket, type: rec.type });
      for (const span of ROLLUP_SPANS) {
        const t = span === "h" ? rec.hour : periodIndex(span, rec.hour * HOUR_MS);
        const key = `${dimKey}\u0000${span}${t}`;
        let p = periods.get(key);
        if (!p) periods.set(key, (p = { dimKey, span, t, n: 0, maxGy: 0, tiles: new Map() }));
        p.n += rec.n;
        p.maxGy = Math.max(p.maxGy, rec.maxGy);
        for (const [ty, tx, cells] of rec.tiles) {
          const tk = tileKey(tx * TILE_SIDE, ty * TILE_SIDE);
          const had = p.tiles.get(tk);
          p.tiles.set(tk, had ? addTiles(had, cells) : Buffer.from(cells));
        }
      }
    }
  }
  await dimIds(c, dialect, dims, dimsSeen);
  const tiles: TileRowOut[] = [];
  const totals: Array<{ dim: number; span: RollupSpan; t: number; n: number; maxGy: number }> = [];
  for (const p of periods.values()) {
    const dim = dims.get(p.dimKey)!;
    totals.push({ dim, span: p.span, t: p.t, n: p.n, maxGy: p.maxGy });
    for (const [tk, cells] of p.tiles) tiles.push({ dim, span: p.span, t: p.t, ty: tileY(tk), tx: tileX(tk), cells });
  }
  // One key order for every folder: rows are locked in it.
  tiles.sort((a, b) => a.dim - b.dim || (a.span < b.span ? -1 : a.span > b.span ? 1 : 0) || a.t - b.t || a.ty - b.ty || a.tx - b.tx);
  totals.sort((a, b) => a.dim - b.dim || (a.span < b.span ? -1 : a.span > b.span ? 1 : 0) || a.t - b.t);
  const stored = await readTiles(c, dialect, tiles);
  for (const x of tiles) {
    if (slices.due()) await slices.yield();
    const had = stored.get(`${x.dim} ${x.span} ${x.t} ${x.ty} ${x.tx}`);
    if (had) x.cells = addTiles(had, x.cells);
  }
  await foldRageClicks(c, dialect, mergeClickSpans(clicks), rage);
  await foldActivity(c, dialect, activity);
  await foldElements(c, dialect, elements);
  await foldClickCells(c, dialect, clickCells);
  const ids = journal.map((r) => num(r.id));
  if (dialect === "pg") {
    const cells = packBuffers(tiles.map((x) => x.cells));
    await c.run(
      `INSERT INTO heat_tiles (dim, span, t, ty, tx, cells)
       SELECT d, s, t, ty, tx, substring($6::bytea FROM o FOR l) FROM unnest($1::int[], $2::text[], $3::bigint[], $4::int[], $5::int[], $7::int[], $8::int[]) AS r(d, s, t, ty, tx, o, l)
       ON CONFLICT (dim, span, t, ty, tx) DO UPDATE SET cells = EXCLUDED.cells`,
      [...unnestColumns(tiles.map(keyOfTile), 5), cells.blob, cells.offsets, cells.lengths],
    );
    await c.run(
      `INSERT INTO heat_periods (dim, span, t, n, max_gy) SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::int[])
       ON CONFLICT (dim, span, t) DO UPDATE SET n = heat_periods.n + EXCLUDED.n, max_gy = GREATEST(heat_periods.max_gy, EXCLUDED.max_gy)`,
      unnestColumns(totals.map((x) => [x.dim, x.span, x.t, x.n, x.maxGy]), 5),
    );
    await c.run("DELETE FROM heat_journal WHERE id = ANY($1::bigint[])", [ids]);
  } else {
    for (const part of parts(tiles)) {
      await c.run("INSERT INTO heat_tiles (dim, span, t, ty, tx, cells) VALUES ? ON DUPLICATE KEY UPDATE cells = VALUES(cells)", [part.map((x) => [x.dim, x.span, x.t, x.ty, x.tx, x.cells])]);
    }
    for (const part of parts(totals)) {
      await c.run("INSERT INTO heat_periods (dim, span, t, n, max_gy) VALUES ? ON DUPLICATE KEY UPDATE n = n + VALUES(n), max_gy = GREATEST(max_gy, VALUES(max_gy))", [
        part.map((x) => [x.dim, x.span, x.t, x.n, x.maxGy]),
      ]);
    }
    await c.run("DELETE FROM heat_journal WHERE id IN (?)", [ids]);
  }
  return { rows: journal.length, events };
}
