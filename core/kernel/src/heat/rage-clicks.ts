import { BASE_CELL_PX } from "./grid";

/**
 * Rage clicks: bursts of clicks at one spot. The one definition, shared by every adapter, which
 * derive them from each session's stored clicks when new clicks arrive.
 *
 * A click *starts a run* when, in its session and on its page, at least `minClicks - 1` later
 * clicks fall within `windowMs` after it and within `radiusPx` of it (inclusive), and no earlier
 * click falls within `windowMs` before it and `radiusPx` of it. So a burst counts once, at its
 * first click, however long it goes on without a pause at that spot, and whether a click starts a
 * run depends only on the clicks within `windowMs` either side of it: a late or re-ordered batch
 * changes the answer for its neighbourhood alone, and re-deriving that neighbourhood from the
 * stored clicks gives the same runs whatever order the batches came in.
 */

export interface RageClickRule {
  /** Clicks in a run, the first included. Default 3. */
  minClicks: number;
  /** Greatest distance from the first click, in document pixels (Euclidean). Default 30. */
  radiusPx: number;
  /** Greatest time after the first click, in ms. Default 1000. */
  windowMs: number;
}

export const DEFAULT_RAGE_CLICK_RULE: RageClickRule = { minClicks: 3, radiusPx: 30, windowMs: 1000 };

/** A stored click of one session, as rage detection needs it. */
export interface SessionClick {
  eventId: string;
  ts: number;
  page: string;
  x: number;
  y: number;
}

/** Click order within a session: by time, then event id (equal times are common in tests and replays). */
export function compareClicks(a: SessionClick, b: SessionClick): number {
  return a.ts - b.ts || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

/** A rule with every field a positive integer (minClicks at least 2), or a message saying what is wrong. */
export function checkRageClickRule(rule: Partial<RageClickRule>): RageClickRule | string {
  const r = { ...DEFAULT_RAGE_CLICK_RULE, ...rule };
  for (const k of ["minClicks", "radiusPx", "windowMs"] as const) {
    if (!Number.isInteger(r[k]) || r[k] < (k === "minClicks" ? 2 : 0)) return `rageClicks.${k} must be an integer of at least ${k === "minClicks" ? 2 : 0}`;
  }
  return r;
}

const near = (a: SessionClick, b: SessionClick, rule: RageClickRule): boolean =>
  a.page === b.page && (a.x - b.x) ** 2 + (a.y - b.y) ** 2 <= rule.radiusPx ** 2;

/** The clicks of `clicks` (one session's, any order) that start a run, in click order. */
export function rageClickStarts<C extends SessionClick>(clicks: readonly C[], rule: RageClickRule): C[] {
  const sorted = [...clicks].sort(compareClicks);
  const starts: C[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    let earlier = false;
    for (let j = i - 1; j >= 0 && c.ts - sorted[j]!.ts <= rule.windowMs; j--) {
      if (near(c, sorted[j]!, rule)) {
        earlier = true;
        break;
      }
    }
    if (earlier) continue;
    let later = 0;
    for (let j = i + 1; j < sorted.length && sorted[j]!.ts - c.ts <= rule.windowMs && later < rule.minClicks - 1; j++) {
      if (near(c, sorted[j]!, rule)) later++;
    }
    if (later >= rule.minClicks - 1) starts.push(c);
  }
  return starts;
}

/**
 * What to re-derive when a session gains clicks with times in [fromTs, toTs]: the clicks whose
 * status may change (`redo`, each within one window of a new click) and the clicks needed to
 * decide them (`read`, one window further either side).
 */
export function rageClickWindow(fromTs: number, toTs: number, rule: RageClickRule): { redo: [number, number]; read: [number, number] } {
  const w = rule.windowMs;
  return { redo: [fromTs - w, toTs + w], read: [fromTs - 2 * w, toTs + 2 * w] };
}

/** A derived rage click as adapters store it: the run's first click, in its 8 px cell. */
export interface RageClickRecord {
  projectId: string;
  sessionId: string;
  eventId: string;
  ts: number;
  page: string;
  bucket: string;
  gx: number;
  gy: number;
  selector: string | null;
}

/** A stored click event's fields that rage detection and its record need. */
export interface ClickRow extends SessionClick {
  projectId: string;
  sessionId: string;
  bucket: string;
  selector: string | null;
}

/**
 * The rage clicks of one session whose time is within `redo`, from its clicks within the matching
 * `read` window (see rageClickWindow): what replaces the stored rage clicks of that range.
 */
export function rederiveRageClicks(clicks: readonly ClickRow[], redo: readonly [number, number], rule: RageClickRule): RageClickRecord[] {
  return rageClickStarts(clicks, rule)
    .filter((c) => c.ts >= redo[0] && c.ts <= redo[1])
    .map((c) => ({
      projectId: c.projectId,
      sessionId: c.sessionId,
      eventId: c.eventId,
      ts: c.ts,
      page: c.page,
      bucket: c.bucket,
      gx: Math.max(0, Math.floor(c.x / BASE_CELL_PX)),
      gy: Math.max(0, Math.floor(c.y / BASE_CELL_PX)),
      selector: c.selector,
    }));
}

/** A click row from a stored event's columns and its JSON data; null when it has no coordinates. */
export function clickRow(e: { projectId: string; sessionId: string; eventId: string; ts: number; page: string; bucket: string; data: Record<string, unknown> }): ClickRow | null {
  const { x, y, selector } = e.data;
  if (typeof x !== "number" || typeof y !== "number") return null;
  return { projectId: e.projectId, sessionId: e.sessionId, eventId: e.eventId, ts: e.ts, page: e.page, bucket: e.bucket, x, y, selector: typeof selector === "string" ? selector : null };
}
