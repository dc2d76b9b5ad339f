import { PLOTTABLE_TYPES, type EventType } from "../events";
import type { HeatmapBody, HeatmapPoint } from "../context";
import { BASE_CELL_PX, periodIndex, periodStart, rollupFor } from "../heat/grid";
import type { RollupCellRow, RollupFilter, RollupRange, RollupSummaryRow, StorageAdapter } from "../storage/adapter";
import type { RollupSpan, StoredEvent } from "../storage/records";
import type { HeatmapQuery } from "./params";

const DEFAULT_VIEWPORT = { w: 1280, h: 720 };
const SCAN_CHUNK = 2000;

const MAX_TS = 8.64e15;

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

/** Summary and 8 px cells of the partial-hour edges, aggregated with the same rollup rules. */
async function edgeRollup(storage: StorageAdapter, projectId: string, q: HeatmapQuery, edges: TimeSplit["edges"]) {
  const summary = new Map<string, RollupSummaryRow>();
  const cells = new Map<string, { bucket: string; type: EventType; gx: number; gy: number; n: number }>();
  const absorb = (chunk: StoredEvent[]) => {
    for (const d of rollupFor(chunk)) {
      if (d.span !== "h") continue; // every sample is counted once per span: keep one
      const sk = `${d.bucket}\u0000${d.type}`;
      const s = summary.get(sk);
      if (s) {
        s.n += d.n;
        s.maxGy = Math.max(s.maxGy, d.gy);
      } else summary.set(sk, { bucket: d.bucket, type: d.type, n: d.n, maxGy: d.gy });
      if (!PLOTTABLE_TYPES.includes(d.type)) continue;
      const ck = `${sk}\u0000${d.gx}\u0000${d.gy}`;
      const c = cells.get(ck);
      if (c) c.n += d.n;
      else cells.set(ck, { bucket: d.bucket, type: d.type, gx: d.gx, gy: d.gy, n: d.n });
    }
  };
  for (const edge of edges) {
    let chunk: StoredEvent[] = [];
    for await (const e of storage.scanEvents({ projectId, ...(q.page !== undefined && { page: q.page }), types: q.types, ...edge })) {
      chunk.push(e);
      if (chunk.length >= SCAN_CHUNK) {
        absorb(chunk);
        chunk = [];
      }
    }
    absorb(chunk);
  }
  return { summary: [...summary.values()], cells: [...cells.values()] };
}

function parseBucket(bucket: string | null): { w: number; h: number } {
  if (!bucket) return DEFAULT_VIEWPORT;
  const [w, h] = bucket.split("x").map(Number);
  return w && h ? { w, h } : DEFAULT_VIEWPORT;
}

/**
 * Builds a heatmap from the heat rollup (whole hours, aggregated by the database) plus the partial
 * hours at the range's edges. Cost grows with the number of distinct cells, not of events.
 */
export async function buildHeatmap(storage: StorageAdapter, projectId: string, q: HeatmapQuery): Promise<HeatmapBody> {
  const split = splitRange(q.fromTs, q.toTs);
  const filter: RollupFilter | null =
    split.ranges.length > 0 ? { projectId, ...(q.page !== undefined && { page: q.page }), types: q.types, ranges: split.ranges } : null;
  const edge = split.edges.length > 0 ? await edgeRollup(storage, projectId, q, split.edges) : { summary: [], cells: [] };
  const summary = [...(filter ? await storage.rollupSummary(filter) : []), ...edge.summary];

  const buckets: Record<string, number> = {};
  const typeBreakdown: Record<string, number> = {};
  let total = 0;
  for (const row of summary) {
    total += row.n;
    typeBreakdown[row.type] = (typeBreakdown[row.type] ?? 0) + row.n;
    if (PLOTTABLE_TYPES.includes(row.type)) buckets[row.bucket] = (buckets[row.bucket] ?? 0) + row.n;
  }
  const bucket =
    q.bucket ??
    Object.entries(buckets).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ??
    null;
  const viewport = parseBucket(bucket);
  const cellFactor = Math.max(1, Math.round(viewport.w / q.resolution / BASE_CELL_PX));
  const cellSize = cellFactor * BASE_CELL_PX;
  const columns = Math.max(1, Math.ceil(viewport.w / cellSize));

  let maxGy = -1;
  for (const row of summary) {
    if (row.bucket === bucket && (row.type === "click" || row.type === "move")) maxGy = Math.max(maxGy, row.maxGy);
  }
  const renderHeight = Math.max(viewport.h, (maxGy + 1) * BASE_CELL_PX);
  const rows = Math.max(1, Math.ceil(renderHeight / cellSize));

  const plotTypes = q.types.filter((t) => PLOTTABLE_TYPES.includes(t));
  const cellRows: RollupCellRow[] =
    bucket && filter && plotTypes.length > 0 ? await storage.rollupCells({ ...filter, types: plotTypes, bucket, cellFactor }) : [];
  for (const c of edge.cells) {
    if (c.bucket !== bucket) continue;
    const scroll = c.type === "scroll";
    cellRows.push({ type: c.type, cx: scroll ? 0 : Math.floor(c.gx / cellFactor), cy: scroll ? c.gy : Math.floor(c.gy / cellFactor), n: c.n });
  }

  const grid = new Map<number, number>();
  let plotted = 0;
  for (const c of cellRows) {
    const cx = c.type === "scroll" ? Math.floor(columns / 2) : Math.min(columns - 1, c.cx);
    const cy = c.type === "scroll" ? Math.min(rows - 1, Math.floor(((c.cy / 100) * renderHeight) / cellSize)) : Math.min(rows - 1, c.cy);
    const key = cy * columns + cx;
    grid.set(key, (grid.get(key) ?? 0) + c.n);
    plotted += c.n;
  }
  const half = cellSize / 2;
  const points: HeatmapPoint[] = [...grid.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([key, value]) => ({ x: (key % columns) * cellSize + half, y: Math.floor(key / columns) * cellSize + half, value }));

  return {
    points,
    meta: {
      type: q.type,
      resolution: q.resolution,
      cellSize,
      columns,
      rows,
      viewport,
      renderHeight,
      total,
      plotted,
      bucket,
      buckets,
      typeBreakdown,
    },
  };
}
