import { PLOTTABLE_TYPES } from "../events";
import type { HeatmapBody, HeatmapPoint } from "../context";
import { BASE_CELL_PX, forEachSample, HOUR_MS, periodIndex, periodStart } from "../heat/grid";
import type { RollupFilter, RollupRange, RollupSummaryRow, StorageAdapter } from "../storage/adapter";
import type { RollupSpan, StoredEvent } from "../storage/records";
import type { HeatmapQuery } from "./params";
import { bucketViewport, widthBands, widthInRange } from "./viewport";
import { hourRangeFilter } from "./hour-range";

const CELL_KEY = 2 ** 24;

const MAX_TS = 8.64e15;
/** Largest grid (rows × columns) summed in a dense array: 16 MB. */
const DENSE_GRID_CELLS = 1 << 21;

interface TimeSplit {
  /** Whole months, days and hours, served by the rollup. */
  ranges: RollupRange[];
  /** Partial hours at the edges, read from raw events. */
  edges: Array<{ fromTs: number; toTs: number }>;
}

/** Covers [a, b] with whole periods of `span` (returned as a range) and the parts left over. */
function cover(a: number, b: number, span: RollupSpan): { whole: RollupRange | null; rest: Array<[number, number]> } {
  const ia = periodIndex(span, a);
  const first = periodStart(span, ia) === a ? ia : ia + 1;
  const last = periodIndex(span, b + 1) - 1;
  if (first > last) return { whole: null, rest: [[a, b]] };
  const rest: Array<[number, number]> = [];
  if (a < periodStart(span, first)) rest.push([a, periodStart(span, first) - 1]);
  if (b >= periodStart(span, last + 1)) rest.push([periodStart(span, last + 1), b]);
  return { whole: { span, from: first, to: last }, rest };
}

/**
 * Splits [from, to] into whole UTC months, then whole days, then whole hours, from the rollup,
 * and the partial hours left at the edges, from raw events: a query reads at most two hours of
 * raw events, and the number of rollup periods it reads grows with the range's length only
 * logarithmically (one month row set instead of ~30 day row sets).
 */
export function splitRange(fromTs: number | undefined, toTs: number | undefined): TimeSplit {
  const ranges: RollupRange[] = [];
  const edges: TimeSplit["edges"] = [];
  let pieces: Array<[number, number]> = [[fromTs ?? 0, Math.min(toTs ?? MAX_TS - 1, MAX_TS - 1)]];
  for (const span of ["m", "d", "h"] as const) {
    const next: Array<[number, number]> = [];
    for (const [a, b] of pieces) {
      const c = cover(a, b, span);
      if (c.whole) ranges.push(c.whole);
      next.push(...c.rest);
    }
    pieces = next;
  }
  for (const [fromTs, toTs] of pieces) edges.push({ fromTs, toTs });
  return { ranges, edges };
}

/**
 * Summary and 8 px cells of the partial-hour edges, counted with the rollup's own sample rule
 * (forEachSample), once per sample: the rollup's spans would only count each sample three times.
 */
async function edgeRollup(storage: StorageAdapter, projectId: string, q: HeatmapQuery, pages: readonly string[] | undefined, edges: TimeSplit["edges"]) {
  const summary = new Map<string, RollupSummaryRow>();
  /** Per summary key, cell counts keyed gy * 2^24 + gx (gx < 2^24: coordinates are at most 1e8 px). */
  const cells = new Map<string, Map<number, number>>();
  const absorb = (e: StoredEvent) => {
    const sk = `${e.bucket}\u0000${e.type}`;
    let s = summary.get(sk);
    if (!s) summary.set(sk, (s = { bucket: e.bucket, type: e.type, n: 0, maxGy: 0 }));
    const row = s;
    const grid = PLOTTABLE_TYPES.includes(e.type) ? (cells.get(sk) ?? cells.set(sk, new Map()).get(sk)!) : null;
    forEachSample(e, (gx, gy) => {
      row.n++;
      if (gy > row.maxGy) row.maxGy = gy;
      if (grid) grid.set(gy * CELL_KEY + gx, (grid.get(gy * CELL_KEY + gx) ?? 0) + 1);
    });
  };
  for (const edge of edges) {
    for await (const e of storage.scanEvents({ projectId, ...(pages && { pages }), types: q.types, ...edge })) absorb(e);
  }
  const grids = [...cells].map(([sk, grid]) => ({ bucket: summary.get(sk)!.bucket, type: summary.get(sk)!.type, grid }));
  // A summary row exists only where a sample was counted, as in the rollup.
  return { summary: [...summary.values()].filter((r) => r.n > 0), cells: grids };
}

/** A summary row of a heatmap's source: samples per bucket and type, and the deepest 8 px row. */
interface SourceSummary {
  bucket: string;
  type: string;
  n: number;
  maxGy: number;
  /** Drawn on the grid (click, move, scroll, rage click). */
  plottable: boolean;
  /** Placed by document coordinates, so its depth sets renderHeight (click, move, rage click). */
  positioned: boolean;
}

/**
 * Cells of a heatmap's source, packed [cx, cy, n] triples (see RollupCellGroup): scroll cells are
 * (0, percent); others 8 px cells grouped by a factor; or, with no bucket, cells of the drawn grid
 * itself (unique_sessions).
 */
interface SourceCells {
  bucket: string | null;
  type: string;
  cells: Float64Array;
}

/** Where a heatmap's counts come from: the heat rollup, or the rage clicks. */
interface HeatSource {
  summary(): Promise<SourceSummary[]>;
  /** Cells of `buckets`; `grid`: the drawn grid, for sources that count on it. */
  cells(buckets: readonly string[], cellFactor: number, grid: { columns: number; relative: boolean }): Promise<SourceCells[]>;
}

/** Packs a few cell rows (derived sources answer hundreds, not tens of thousands) as SourceCells. */
function packed(bucket: string | null, type: string, rows: ReadonlyArray<{ cx: number; cy: number; n: number }>): SourceCells {
  const cells = new Float64Array(rows.length * 3);
  rows.forEach((r, i) => {
    cells[3 * i] = r.cx;
    cells[3 * i + 1] = r.cy;
    cells[3 * i + 2] = r.n;
  });
  return { bucket, type, cells };
}

/** Samples of the event types asked for: whole periods from the rollup, partial hours at the edges from raw events. */
async function rollupSource(storage: StorageAdapter, projectId: string, q: HeatmapQuery, pages: readonly string[] | undefined): Promise<HeatSource> {
  const split = splitRange(q.fromTs, q.toTs);
  const filter: RollupFilter | null =
    split.ranges.length > 0 ? { projectId, ...(pages && { pages }), types: q.types, ranges: split.ranges } : null;
  const edge = split.edges.length > 0 ? await edgeRollup(storage, projectId, q, pages, split.edges) : { summary: [], cells: [] };
  return {
    async summary() {
      return [...(filter ? await storage.rollupSummary(filter) : []), ...edge.summary].map((r) => ({
        ...r,
        plottable: PLOTTABLE_TYPES.includes(r.type),
        positioned: r.type === "click" || r.type === "move",
      }));
    },
    async cells(buckets, cellFactor) {
      const plotTypes = q.types.filter((t) => PLOTTABLE_TYPES.includes(t));
      const groups: SourceCells[] = filter && plotTypes.length > 0 ? await storage.rollupCells({ ...filter, types: plotTypes, buckets, cellFactor }) : [];
      const drawn = new Set(buckets);
      for (const { bucket, type, grid } of edge.cells) {
        if (!drawn.has(bucket)) continue;
        // Straight from the 8 px grid into triples, grouped by the factor (scroll cells are (0, percent)).
        const scroll = type === "scroll";
        const cells = new Float64Array(grid.size * 3);
        let o = 0;
        for (const [key, n] of grid) {
          const gx = key % CELL_KEY;
          const gy = Math.floor(key / CELL_KEY);
          cells[o++] = scroll ? 0 : Math.floor(gx / cellFactor);
          cells[o++] = scroll ? gy : Math.floor(gy / cellFactor);
          cells[o++] = n;
        }
        groups.push({ bucket, type, cells });
      }
      return groups;
    },
  };
}

/** One sample per rage-click run, at its first click: derived rows read by exact time, aggregated by the database. */
function rageClickSource(storage: StorageAdapter, projectId: string, q: HeatmapQuery, pages: readonly string[] | undefined): HeatSource {
  const filter = { projectId, ...(pages && { pages }), ...(q.fromTs !== undefined && { fromTs: q.fromTs }), ...(q.toTs !== undefined && { toTs: q.toTs }) };
  return {
    async summary() {
      return (await storage.rageClickSummary(filter)).map((r) => ({ ...r, type: "rageclick", plottable: true, positioned: true }));
    },
    async cells(buckets, cellFactor) {
      const rows = await storage.rageClickCells({ ...filter, buckets, cellFactor });
      return buckets.map((bucket) => packed(bucket, "rageclick", rows.filter((c) => c.bucket === bucket)));
    },
  };
}

/**
 * unique_sessions: the distinct sessions of clicks or rage-click runs, by whole UTC hours, counted
 * by the database on the drawn grid itself (a session in two 8 px cells of one drawn cell, or in
 * two buckets, counts once there).
 */
function sessionSource(storage: StorageAdapter, projectId: string, q: HeatmapQuery, pages: readonly string[] | undefined): HeatSource {
  const type = q.type === "rageclick" ? "rageclick" : "click";
  const filter = { ...hourRangeFilter(projectId, q, pages), source: type } as const;
  /** The whole hours selected, in epoch ms: where the deepest row is read (clicks: whole rollup periods, no edges). */
  const fromTs = filter.fromHour === undefined ? undefined : filter.fromHour * HOUR_MS;
  const toTs = filter.toHour === undefined ? undefined : (filter.toHour + 1) * HOUR_MS - 1;
  return {
    async summary() {
      const deepest = new Map<string, number>();
      if (type === "rageclick") {
        const rows = await storage.rageClickSummary({ projectId, ...(pages && { pages }), ...(fromTs !== undefined && { fromTs }), ...(toTs !== undefined && { toTs }) });
        for (const r of rows) deepest.set(r.bucket, r.maxGy);
      } else {
        const { ranges } = splitRange(fromTs, toTs);
        for (const r of ranges.length > 0 ? await storage.rollupSummary({ projectId, ...(pages && { pages }), types: ["click"], ranges }) : []) deepest.set(r.bucket, r.maxGy);
      }
      return (await storage.sessionSummary(filter)).map((r) => ({ bucket: r.bucket, n: r.sessions, maxGy: deepest.get(r.bucket) ?? 0, type, plottable: true, positioned: true }));
    },
    async cells(buckets, cellFactor, grid) {
      const drawn = buckets.map((bucket) => ({ bucket, width: bucketViewport(bucket).w }));
      const rows = await storage.sessionCells({ ...filter, drawn, cellFactor, columns: grid.columns, relative: grid.relative });
      return [packed(null, type, rows.map((c) => ({ cx: c.cx, cy: c.cy, n: c.sessions })))];
    },
  };
}

/** Where the heatmap's counts come from, for its type and aggregation (params.ts refuses other pairs). */
async function sourceOf(storage: StorageAdapter, projectId: string, q: HeatmapQuery, pages: readonly string[] | undefined): Promise<HeatSource> {
  if (q.aggregation === "unique_sessions") return sessionSource(storage, projectId, q, pages);
  if (q.type === "rageclick") return rageClickSource(storage, projectId, q, pages);
  return rollupSource(storage, projectId, q, pages);
}

/**
 * Builds a heatmap from the heat rollup (whole hours, aggregated by the database) plus the partial
 * hours at the range's edges. Cost grows with the number of distinct cells, not of events.
 * `pages`: the page keys the query's `path` / `pathPattern` resolved to (undefined: every page).
 *
 * Which buckets are drawn: `viewportBucket` alone when given; else, in absolute coordinates, the
 * bucket with the most samples unless a width range is given, and then every bucket in it; in
 * relative coordinates every bucket in the width range (all widths by default), each sample's x
 * taken as a share of its own bucket's width, so layouts that reflow line up.
 */
export async function buildHeatmap(storage: StorageAdapter, projectId: string, q: HeatmapQuery, pages: readonly string[] | undefined): Promise<HeatmapBody> {
  const source = await sourceOf(storage, projectId, q, pages);
  const summary = (await source.summary()).filter((r) => widthInRange(r.bucket, q));

  const buckets: Record<string, number> = {};
  const typeBreakdown: Record<string, number> = {};
  let total = 0;
  for (const row of summary) {
    total += row.n;
    typeBreakdown[row.type] = (typeBreakdown[row.type] ?? 0) + row.n;
    if (row.plottable) buckets[row.bucket] = (buckets[row.bucket] ?? 0) + row.n;
  }
  const ranked = Object.entries(buckets)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([bucket]) => bucket);
  const relative = q.coordinates === "relative";
  const ranged = q.widthMin !== undefined || q.widthMax !== undefined;
  /** The bucket whose viewport frames the grid. */
  const bucket = q.bucket ?? ranked[0] ?? null;
  const drawn = q.bucket !== undefined ? (widthInRange(q.bucket, q) ? [q.bucket] : []) : relative || ranged ? ranked : ranked.slice(0, 1);
  const isDrawn = new Set(drawn);
  const viewport = bucketViewport(bucket);
  const cellFactor = Math.max(1, Math.round(viewport.w / q.resolution / BASE_CELL_PX));
  const cellSize = cellFactor * BASE_CELL_PX;
  const columns = relative ? q.resolution : Math.max(1, Math.ceil(viewport.w / cellSize));

  let maxGy = -1;
  for (const row of summary) {
    if (isDrawn.has(row.bucket) && row.positioned) maxGy = Math.max(maxGy, row.maxGy);
  }
  const renderHeight = Math.max(viewport.h, (maxGy + 1) * BASE_CELL_PX);
  const rows = Math.max(1, Math.ceil(renderHeight / cellSize));

  // Relative coordinates need each bucket's 8 px cells (a column is a share of that bucket's width),
  // unless the source counts on the drawn grid itself (unique_sessions: cells come back placed).
  const readFactor = relative && q.aggregation === "total_count" ? 1 : cellFactor;
  const groups = drawn.length > 0 ? await source.cells(drawn, readFactor, { columns, relative }) : [];

  // Cells summed in a dense array in row-major order (points come out sorted, with no map, entry
  // pairs or sort to allocate); a map only for a grid too large to hold densely.
  const dense = rows * columns <= DENSE_GRID_CELLS ? new Float64Array(rows * columns) : null;
  const sparse = dense ? null : new Map<number, number>();
  let plotted = 0;
  for (const g of groups) {
    const scroll = g.type === "scroll";
    /**
     * Relative coordinates place a bucket's cell by its centre's share of that bucket's width,
     * floor((8 gx + 4) × columns / width) in whole numbers, as the databases compute it for
     * unique_sessions (whose cells come back already placed, with no bucket).
     */
    const ownWidth = relative && g.bucket !== null;
    const width = ownWidth ? bucketViewport(g.bucket).w : 0;
    const cells = g.cells;
    for (let i = 0; i < cells.length; i += 3) {
      const gx = cells[i]!;
      const gy = cells[i + 1]!;
      const n = cells[i + 2]!;
      const cx = scroll ? Math.floor(columns / 2) : Math.min(columns - 1, ownWidth ? Math.floor(((2 * gx + 1) * (BASE_CELL_PX / 2) * columns) / width) : gx);
      const cy = Math.min(rows - 1, scroll ? Math.floor(((gy / 100) * renderHeight) / cellSize) : ownWidth ? Math.floor(gy / cellFactor) : gy);
      const key = cy * columns + cx;
      if (dense) dense[key]! += n;
      else sparse!.set(key, (sparse!.get(key) ?? 0) + n);
      plotted += n;
    }
  }
  const half = cellSize / 2;
  const x = (col: number): number => (relative ? (col + 0.5) / columns : col * cellSize + half);
  const point = (key: number, value: number): HeatmapPoint => ({ x: x(key % columns), y: Math.floor(key / columns) * cellSize + half, value });
  const points: HeatmapPoint[] = [];
  if (dense) {
    for (let key = 0; key < dense.length; key++) if (dense[key]! > 0) points.push(point(key, dense[key]!));
  } else {
    for (const key of [...sparse!.keys()].sort((a, b) => a - b)) points.push(point(key, sparse!.get(key)!));
  }

  return {
    points,
    meta: {
      type: q.type,
      aggregation: q.aggregation,
      coordinates: relative ? "relative" : "absolute",
      resolution: q.resolution,
      cellSize,
      columns,
      rows,
      viewport,
      renderHeight,
      total,
      plotted,
      bucket,
      drawnBuckets: drawn,
      buckets,
      widthBands: widthBands(buckets),
      typeBreakdown,
    },
  };
}
