import type { JsonValue } from "../events";
import type { RollupDelta, RollupSpan, StoredEvent } from "../storage/records";

/** Heat samples are counted in 8 px document-pixel cells; query cells are whole multiples of it. */
export const BASE_CELL_PX = 8;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Every rollup span, finest first. */
export const ROLLUP_SPANS: readonly RollupSpan[] = ["h", "d", "m"];

/** The index of the period of `span` holding `ts`: epoch hours, epoch days, or months since 1970-01. */
export function periodIndex(span: RollupSpan, ts: number): number {
  if (span === "h") return Math.floor(ts / HOUR_MS);
  if (span === "d") return Math.floor(ts / DAY_MS);
  const d = new Date(ts);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

/** The first millisecond of period `index` of `span`. */
export function periodStart(span: RollupSpan, index: number): number {
  if (span === "h") return index * HOUR_MS;
  if (span === "d") return index * DAY_MS;
  return Date.UTC(1970 + Math.floor(index / 12), ((index % 12) + 12) % 12);
}

function cell(v: number): number {
  return Math.max(0, Math.floor(v / BASE_CELL_PX));
}

function num(v: JsonValue | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Calls `sample(gx, gy)` once per heat sample of `e`: per click, per move point, per scroll, and
 * per other event. Click and move samples are 8 px cells; a scroll is (0, depth in whole percent);
 * other types count at (0, 0). The one definition of what a sample is, for every rollup.
 */
export function forEachSample(e: StoredEvent, sample: (gx: number, gy: number) => void): void {
  switch (e.type) {
    case "click": {
      const x = num(e.data.x);
      const y = num(e.data.y);
      if (x !== null && y !== null) sample(cell(x), cell(y));
      return;
    }
    case "move": {
      const points = e.data.points;
      if (!Array.isArray(points)) return;
      for (const p of points) {
        if (p === null || typeof p !== "object" || Array.isArray(p)) continue;
        const x = num(p.x);
        const y = num(p.y);
        if (x !== null && y !== null) sample(cell(x), cell(y));
      }
      return;
    }
    case "scroll": {
      const pct = num(e.data.scrollDepthPct);
      if (pct !== null) sample(0, Math.round(Math.min(100, Math.max(0, pct))));
      return;
    }
    default:
      sample(0, 0);
  }
}

/**
 * The rollup increments of a set of (newly stored) events: every sample (see forEachSample)
 * counted in its hour, its day and its month. Equal keys are merged.
 */
export function rollupFor(events: readonly StoredEvent[]): RollupDelta[] {
  const merged = new Map<string, RollupDelta>();
  for (const e of events) {
    const periods = ROLLUP_SPANS.map((span) => [span, periodIndex(span, e.ts)] as const);
    forEachSample(e, (gx, gy) => {
      for (const [span, t] of periods) {
        const key = `${e.projectId}\u0000${e.page}\u0000${e.bucket}\u0000${e.type}\u0000${span}${t}\u0000${gx}\u0000${gy}`;
        const hit = merged.get(key);
        if (hit) hit.n += 1;
        else merged.set(key, { projectId: e.projectId, page: e.page, bucket: e.bucket, type: e.type, span, t, gx, gy, n: 1 });
      }
    });
  }
  return [...merged.values()];
}
