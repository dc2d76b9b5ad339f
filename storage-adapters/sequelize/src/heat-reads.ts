import { HOUR_MS, periodIndex, type EventType, type RollupCellFilter, type RollupCellGroup, type RollupFilter, type RollupSummaryRow } from "@m-software-engineering/heat-collector-kernel";
import { sumTileCells, type TileRow } from "@m-software-engineering/heat-collector-kernel/dist/heat/tile-sum";
import { decodeJournal, type JournalRecord } from "./heat-journal";
import { num, type Row } from "./rows";
import { Binds, dimWhere, perRange } from "./sql";

/** Runs one statement and answers its rows. */
export type Select = (sql: string, bind: unknown[]) => Promise<Row[]>;

/** The unfolded journal rows of the project, as the last branch of a UNION ALL: read in the same
 * statement as the folded rows, so a fold committing in between can neither hide nor double them. */
const journalBranch = (b: Binds, projectId: string, leading: number): string =>
  `SELECT ${Array.from({ length: leading }, () => "NULL").join(", ")}, body FROM heat_journal WHERE project_id = ${b.add(projectId)}`;

/** The journal records (from the statement's journal rows) that the filter reads. */
function journalRecords(rows: readonly Row[], f: RollupFilter, buckets?: readonly string[]): JournalRecord[] {
  const out: JournalRecord[] = [];
  const pages = f.pages === undefined ? undefined : new Set(f.pages);
  const inBuckets = buckets === undefined ? undefined : new Set(buckets);
  for (const row of rows) {
    if (row.body === null || row.body === undefined) continue;
    for (const rec of decodeJournal(row.body as Buffer)) {
      if (pages !== undefined && !pages.has(rec.page)) continue;
      if (inBuckets !== undefined && !inBuckets.has(rec.bucket)) continue;
      if (!f.types.includes(rec.type)) continue;
      const start = rec.hour * HOUR_MS;
      if (f.ranges.some((r) => { const t = periodIndex(r.span, start); return t >= r.from && t <= r.to; })) out.push(rec);
    }
  }
  return out;
}

/** The project's distinct pages: those of its heat dimensions plus those only in the unfolded journal. */
export async function listPages(select: Select, projectId: string): Promise<string[]> {
  const b = new Binds();
  const rows = await select(
    `SELECT page, NULL AS body FROM (SELECT DISTINCT page FROM heat_dims WHERE project_id = ${b.add(projectId)}) d
     UNION ALL SELECT NULL, body FROM heat_journal WHERE project_id = ${b.add(projectId)}`,
    b.values,
  );
  const pages = new Set<string>();
  for (const r of rows) {
    if (r.body === null || r.body === undefined) pages.add(String(r.page));
    else for (const rec of decodeJournal(r.body as Buffer)) pages.add(rec.page);
  }
  return [...pages];
}

/** Per (bucket, type): samples and deepest row, from heat_periods plus the unfolded journal. */
export async function rollupSummary(select: Select, f: RollupFilter): Promise<RollupSummaryRow[]> {
  const b = new Binds();
  const periods = perRange(b, f, (cond) => `SELECT bucket, type, n, max_gy FROM heat_periods JOIN heat_dims ON heat_dims.id = heat_periods.dim WHERE ${dimWhere(b, f)} AND ${cond}`);
  const rows = await select(
    `SELECT bucket, type, SUM(n) AS n, MAX(max_gy) AS max_gy, NULL AS body FROM (${periods}) p GROUP BY bucket, type
     UNION ALL ${journalBranch(b, f.projectId, 4)}`,
    b.values,
  );
  const out = new Map<string, RollupSummaryRow>();
  const add = (bucket: string, type: EventType, n: number, maxGy: number) => {
    const key = `${bucket}\u0000${type}`;
    const hit = out.get(key);
    if (hit) {
      hit.n += n;
      hit.maxGy = Math.max(hit.maxGy, maxGy);
    } else out.set(key, { bucket, type, n, maxGy });
  };
  for (const r of rows) if (r.body === null || r.body === undefined) add(String(r.bucket), String(r.type) as EventType, num(r.n), num(r.max_gy));
  for (const rec of journalRecords(rows, f)) add(rec.bucket, rec.type, rec.n, rec.maxGy);
  return [...out.values()].sort((x, y) => (x.bucket < y.bucket ? -1 : x.bucket > y.bucket ? 1 : x.type < y.type ? -1 : x.type > y.type ? 1 : 0));
}

/**
 * Cell counts of the filter's buckets grouped into cells of `cellFactor` × 8 px (scroll: by
 * percent), per bucket and type, summed from the tiles in range plus the unfolded journal's: the
 * cost follows tiles, not events.
 */
export async function rollupCells(select: Select, f: RollupCellFilter): Promise<RollupCellGroup[]> {
  const b = new Binds();
  const tiles = perRange(b, f, (cond) => `SELECT bucket, type, ty, tx, cells FROM heat_tiles JOIN heat_dims ON heat_dims.id = heat_tiles.dim WHERE ${dimWhere(b, f, f.buckets)} AND ${cond}`);
  // One NULL body outside the ranges' union: PostgreSQL types a NULL shared by several branches as
  // text, which then cannot be matched with the journal's bytea.
  const rows = await select(`SELECT bucket, type, ty, tx, cells, NULL AS body FROM (${tiles}) t UNION ALL ${journalBranch(b, f.projectId, 5)}`, b.values);
  const groups = new Map<string, { bucket: string; type: EventType; tiles: TileRow[] }>();
  const tilesOf = (bucket: string, type: EventType): TileRow[] => {
    const key = `${bucket}\u0000${type}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { bucket, type, tiles: [] }));
    return g.tiles;
  };
  for (const r of rows) if (r.cells !== null && r.cells !== undefined) tilesOf(String(r.bucket), String(r.type) as EventType).push([num(r.ty), num(r.tx), r.cells as Buffer]);
  for (const rec of journalRecords(rows, f, f.buckets)) tilesOf(rec.bucket, rec.type).push(...rec.tiles);
  const out: RollupCellGroup[] = [];
  for (const { bucket, type, tiles } of groups.values()) {
    // Scroll samples are (0, percent): their cells are never grouped.
    const k = type === "scroll" ? 1 : Math.max(1, Math.floor(f.cellFactor));
    out.push({ bucket, type, cells: await sumTileCells(tiles, k) });
  }
  return out;
}
