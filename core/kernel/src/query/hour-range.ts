import { HOUR_MS } from "../heat/grid";
import type { HourRangeFilter } from "../storage/adapter";
import type { WidthRange } from "./viewport";

/**
 * The filter shared by the queries kept per whole UTC hour (trend lines, elements, scroll map):
 * the project, its pages, the viewport widths, and `from` / `to` as the epoch hours they touch.
 */
export function hourRangeFilter(projectId: string, q: WidthRange & { fromTs?: number; toTs?: number }, pages: readonly string[] | undefined): HourRangeFilter {
  return {
    projectId,
    ...(pages && { pages }),
    ...(q.widthMin !== undefined && { widthMin: q.widthMin }),
    ...(q.widthMax !== undefined && { widthMax: q.widthMax }),
    ...(q.fromTs !== undefined && { fromHour: Math.floor(q.fromTs / HOUR_MS) }),
    ...(q.toTs !== undefined && { toHour: Math.floor(q.toTs / HOUR_MS) }),
  };
}
