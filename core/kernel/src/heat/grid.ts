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
 * The rollup increments of a set of (newly stored) events: one sample per click, per move point,
 * per scroll, and per other event, counted in its hour, its day and its month. Equal keys are merged.
 */
export function rollupFor(events: readonly StoredEvent[]): RollupDelta[] {
  const merged = new Map<string, RollupDelta>();
  const bump = (e: StoredEvent, span: RollupSpan, t: number, gx: number, gy: number): void => {
    const key = `${e.projectId}\u0000${e.page}\u0000${e.bucket}\u0000${e.type}\u0000${span}${t}\u0000${gx}\u0000${gy}`;
    const hit = merged.get(key);
    if (hit) hit.n += 1;
    else merged.set(key, { projectId: e.projectId, page: e.page, bucket: e.bucket, type: e.type, span, t, gx, gy, n: 1 });
  };
  const add = (e: StoredEvent, gx: number, gy: number): void => {
    for (const span of ROLLUP_SPANS) bump(e, span, periodIndex(span, e.ts), gx, gy);
  };
  for (const e of events) {
    switch (e.type) {
      case "click": {
        const x = num(e.data.x);
        const y = num(e.data.y);
        if (x !== null && y !== null) add(e, cell(x), cell(y));
        break;
      }
      case "move": {
        const points = e.data.points;
        if (!Array.isArray(points)) break;
        for (const p of points) {
          if (p === null || typeof p !== "object" || Array.isArray(p)) continue;
          const x = num(p.x);
          const y = num(p.y);
          if (x !== null && y !== null) add(e, cell(x), cell(y));
        }
        break;
      }
      case "scroll": {
        const pct = num(e.data.scrollDepthPct);
        if (pct !== null) add(e, 0, Math.round(Math.min(100, Math.max(0, pct))));
        break;
      }
      default:
        add(e, 0, 0);
    }
  }
  return [...merged.values()];
}
