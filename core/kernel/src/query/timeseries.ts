import { CollectorError } from "../errors";
import { DAY_MS, HOUR_MS } from "../heat/grid";
import type { StorageAdapter } from "../storage/adapter";
import { hourRangeFilter } from "./hour-range";
import type { TimeseriesQuery } from "./params";

/** Most points one trend line answers (a year of days, three months of hours). */
export const MAX_SERIES_POINTS = 2200;

export interface TimeseriesBody {
  points: Array<{ t: number; value: number }>;
  meta: { interval: "hour" | "day"; metric: string; from: number | null; to: number | null; total: number | null };
}

/**
 * A trend line: one point per UTC hour or day from the first to the last of the range (`from` /
 * `to`, else the periods with data), zero where nothing happened. Counts are kept per whole UTC
 * hour, so `from` / `to` select the hours they touch. `total` sums the points, except for
 * sessions, which a sum would count once per period they were seen in.
 */
export async function buildTimeseries(storage: StorageAdapter, projectId: string, q: TimeseriesQuery, pages: readonly string[] | undefined): Promise<TimeseriesBody> {
  const filter = hourRangeFilter(projectId, q, pages);
  const { fromHour, toHour } = filter;
  const rows = await storage.timeseries({ ...filter, interval: q.interval, metric: q.metric });
  const per = q.interval === "hour" ? HOUR_MS : DAY_MS;
  const toPeriod = (hour: number) => (q.interval === "hour" ? hour : Math.floor((hour * HOUR_MS) / DAY_MS));
  const values = new Map(rows.map((r) => [r.period, r.value]));
  const periods = rows.map((r) => r.period);
  const first = fromHour !== undefined ? toPeriod(fromHour) : periods.length > 0 ? Math.min(...periods) : null;
  const last = toHour !== undefined ? toPeriod(toHour) : periods.length > 0 ? Math.max(...periods) : null;
  const points: TimeseriesBody["points"] = [];
  if (first !== null && last !== null && last >= first) {
    if (last - first + 1 > MAX_SERIES_POINTS) {
      throw new CollectorError("invalid_query", `The range holds more than ${MAX_SERIES_POINTS} ${q.interval}s: narrow from/to or use interval=day.`, {
        details: [{ param: "from", message: `more than ${MAX_SERIES_POINTS} points` }],
      });
    }
    for (let p = first; p <= last; p++) points.push({ t: p * per, value: values.get(p) ?? 0 });
  }
  return {
    points,
    meta: {
      interval: q.interval,
      metric: q.metric,
      from: first === null ? null : first * per,
      to: last === null ? null : (last + 1) * per - 1,
      total: q.metric === "sessions" ? null : points.reduce((n, p) => n + p.value, 0),
    },
  };
}
