import type { IngestEvent, IngestPayload } from "../events";

/** Keys of `meta` that could carry what a visitor typed or read; never stored. */
const STRIPPED_META_KEYS = ["value", "text", "content"] as const;
const ONLY_MASK_CHARS = /^\**$/;

export interface SanitizedPayload {
  payload: IngestPayload;
  /** Input events refused because `masked` carried something other than `*`. */
  dropped: number;
}

function stripMeta(e: IngestEvent): IngestEvent {
  if (!e.meta || !STRIPPED_META_KEYS.some((k) => k in e.meta!)) return e;
  const meta = { ...e.meta };
  for (const k of STRIPPED_META_KEYS) delete meta[k];
  return { ...e, meta };
}

/** Idempotent: run before `onBeforeInsert` and again after it, so no tap can bring raw values back. */
export function sanitizePayload(payload: IngestPayload): SanitizedPayload {
  let dropped = 0;
  const events: IngestEvent[] = [];
  for (const e of payload.events) {
    if (e.type === "input" && e.masked !== undefined && !ONLY_MASK_CHARS.test(e.masked)) {
      dropped++;
      continue;
    }
    events.push(stripMeta(e));
  }
  return { payload: dropped === 0 && events.every((e, i) => e === payload.events[i]) ? payload : { ...payload, events }, dropped };
}
