import type { StoredEvent } from "../storage/records";

/**
 * What the scroll map keeps of an event, one rule for every adapter: the viewport height, and for
 * a scroll its depth in whole percent and its scrollY, each rounded half up and clamped; 0 where
 * absent. Kept per session hour as maxima, so counting an event twice would change nothing.
 */
const whole = (v: unknown, max: number): number => (typeof v === "number" && Number.isFinite(v) ? Math.round(Math.min(max, Math.max(0, v))) : 0);

/** An event's viewport height, scroll depth (whole percent) and scrollY: what the scroll map keeps per session. */
export function scrollOf(e: StoredEvent): [number, number, number] {
  const viewport = e.data.viewport;
  const h = viewport !== null && typeof viewport === "object" && !Array.isArray(viewport) ? whole(viewport.h, 1e6) : 0;
  if (e.type !== "scroll") return [h, 0, 0];
  return [h, whole(e.data.scrollDepthPct, 100), whole(e.data.scrollY, 1e9)];
}
