import type { JsonObject } from "../events";
import type { StringFieldLimits } from "./field-limits";
import type { PayloadLimits } from "./schema";
import { cutText, repairText } from "./text-repair";

/** What normalising did to one field of a stored event, kept in its `meta.normalized` under the field's JSON pointer. */
export type NormalizationNote = { cutFrom: number } | { replacedInvalidText: true };

export type Notes = Record<string, NormalizationNote>;

type Obj = Record<string, unknown>;
export const isPlainObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Cuts each string field of `obj` named in `fields` to its limit, noting it under `prefix`. */
function cutFields(obj: Obj, fields: Record<string, number>, prefix: string, notes: Notes): Obj {
  let out = obj;
  for (const [field, max] of Object.entries(fields)) {
    const v = obj[field];
    if (typeof v !== "string" || v.length <= max) continue;
    if (out === obj) out = { ...obj };
    out[field] = cutText(v, max);
    notes[`${prefix}/${field}`] = { cutFrom: v.length };
  }
  return out;
}

/**
 * An event made storable where its data stays meaningful: unsafe text replaced (U+FFFD), known
 * string fields cut to their limits (a path keeps its pathname and as much of its query and
 * fragment as fits), a move trail cut to `maxPointsPerMove` points. Depth must be checked before
 * (repairText recurses). What it does not fix, the event schema then refuses.
 */
export function normalizeEvent(raw: Obj, limits: PayloadLimits, fields: StringFieldLimits): { event: Obj; notes: Notes | null } {
  const notes: Notes = {};
  const repaired = repairText(raw);
  for (const pointer of repaired.changed) notes[pointer] = { replacedInvalidText: true };
  let e = repaired.value as Obj;
  e = cutFields(e, fields.base, "", notes);
  if (isPlainObject(e.device)) {
    const device = cutFields(e.device, fields.device, "/device", notes);
    if (device !== e.device) e = { ...e, device };
  }
  const typed = typeof e.type === "string" ? fields.byType[e.type as keyof StringFieldLimits["byType"]] : undefined;
  if (typed) e = cutFields(e, typed, "", notes);
  if (e.type === "move" && Array.isArray(e.points) && e.points.length > limits.maxPointsPerMove) {
    notes["/points"] = { cutFrom: e.points.length };
    e = { ...e, points: e.points.slice(0, limits.maxPointsPerMove) };
  }
  return { event: e, notes: Object.keys(notes).length > 0 ? notes : null };
}

/** Records what normalising did in the event's own `meta.normalized`, so every reader of the event can tell. */
export function withNotes<T extends { meta?: JsonObject }>(event: T, notes: Notes): T {
  return { ...event, meta: { ...event.meta, normalized: notes as unknown as JsonObject } };
}

/** The SDK's `sdk` and `app` descriptions with their string fields cut and unsafe text replaced. */
export function normalizeDescriptions(body: Obj, fields: StringFieldLimits): { body: Obj; notes: Notes } {
  const notes: Notes = {};
  let out = body;
  for (const key of ["sdk", "app"] as const) {
    const v = body[key];
    if (!isPlainObject(v)) continue;
    const repaired = repairText(v, `/${key}`);
    for (const pointer of repaired.changed) notes[pointer] = { replacedInvalidText: true };
    const cut = cutFields(repaired.value as Obj, fields[key], `/${key}`, notes);
    if (cut !== v) out = { ...out, [key]: cut };
  }
  return { body: out, notes };
}
