import { CollectorError } from "../errors";
import type { StorageAdapter } from "../storage/adapter";
import { hourRangeFilter } from "./hour-range";
import type { ScrollmapQuery } from "./params";

export interface ScrollmapBody {
  /** For each depth step (percent of the page), the sessions that scrolled at least that deep and their share. */
  steps: Array<{ depth: number; sessions: number; share: number }>;
  fold: { averageHeight: number | null; medianHeight: number | null; scrolledBelowShare: number };
  meta: { sessions: number; step: number };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The scroll map of a page (or a pattern's pages): every session with an event there counts once,
 * at the deepest scroll it reached (0 if it never scrolled), by whole UTC hours like the trend
 * lines. The fold is the viewport's bottom: its height over those sessions (each its tallest
 * viewport), and the share of sessions that scrolled at all, so saw content below it.
 */
export async function buildScrollmap(storage: StorageAdapter, projectId: string, q: ScrollmapQuery, pages: readonly string[] | undefined): Promise<ScrollmapBody> {
  if (q.page === undefined && q.pathPattern === undefined) {
    throw new CollectorError("invalid_query", "A scroll map needs 'path' or 'pathPattern'.", { details: [{ param: "path", message: "path or pathPattern is required" }] });
  }
  const rows = await storage.scrollDepths(hourRangeFilter(projectId, q, pages));
  const total = rows.reduce((n, r) => n + r.sessions, 0);
  const steps: ScrollmapBody["steps"] = [];
  for (let depth = 0; depth <= 100; depth += q.step) {
    const sessions = rows.reduce((n, r) => n + (r.depth >= depth ? r.sessions : 0), 0);
    steps.push({ depth, sessions, share: total === 0 ? 0 : round6(sessions / total) });
  }
  if (steps[steps.length - 1]!.depth !== 100) {
    const sessions = rows.reduce((n, r) => n + (r.depth >= 100 ? r.sessions : 0), 0);
    steps.push({ depth: 100, sessions, share: total === 0 ? 0 : round6(sessions / total) });
  }
  // Heights as a histogram: the median is the middle session's (the mean of the two middle ones).
  const heights = new Map<number, number>();
  for (const r of rows) heights.set(r.viewportH, (heights.get(r.viewportH) ?? 0) + r.sessions);
  const sorted = [...heights].sort((a, b) => a[0] - b[0]);
  const nth = (k: number): number => {
    let seen = 0;
    for (const [h, n] of sorted) {
      seen += n;
      if (seen > k) return h;
    }
    return sorted[sorted.length - 1]![0];
  };
  const sum = sorted.reduce((n, [h, c]) => n + h * c, 0);
  const scrolled = rows.reduce((n, r) => n + (r.scrolled ? r.sessions : 0), 0);
  return {
    steps,
    fold: {
      averageHeight: total === 0 ? null : Math.round((sum / total) * 10) / 10,
      medianHeight: total === 0 ? null : (nth(Math.floor((total - 1) / 2)) + nth(Math.floor(total / 2))) / 2,
      scrolledBelowShare: total === 0 ? 0 : round6(scrolled / total),
    },
    meta: { sessions: total, step: q.step },
  };
}
