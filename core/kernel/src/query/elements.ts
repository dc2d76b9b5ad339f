import type { StorageAdapter } from "../storage/adapter";
import { hourRangeFilter } from "./hour-range";
import type { ElementsQuery } from "./params";

export interface ElementsBody {
  elements: Array<{ selector: string; clicks: number; sessions: number; rageClicks: number; share: number }>;
  meta: { totalClicks: number; limit: number };
}

/**
 * The element ranking: the selectors clicked most, each with its clicks, distinct sessions, rage
 * clicks and share of every click matching the filters (clicks without a selector included), by
 * whole UTC hours like the trend lines.
 */
export async function buildElements(storage: StorageAdapter, projectId: string, q: ElementsQuery, pages: readonly string[] | undefined): Promise<ElementsBody> {
  const { rows, totalClicks } = await storage.topElements({ ...hourRangeFilter(projectId, q, pages), limit: q.limit });
  // Rounded to 6 places, so every store answers the same number.
  const share = (n: number) => (totalClicks === 0 ? 0 : Math.round((n / totalClicks) * 1e6) / 1e6);
  return { elements: rows.map((r) => ({ ...r, share: share(r.clicks) })), meta: { totalClicks, limit: q.limit } };
}
