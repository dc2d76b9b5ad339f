import type { IngestEvent, IngestPayload } from "../events";
import { isPlainObject, normalizeDescriptions, normalizeEvent, withNotes } from "./normalize";
import { compileIngestSchemas, depthExceeds, eventDepthIssue, issuesFrom, type PayloadIssue, type PayloadLimits } from "./schema";
import { hasUnsafeText, repairText, unsafeTextAt } from "./text-repair";

type Envelope = Omit<IngestPayload, "events"> & { events: unknown[] };
const UNSAFE_MESSAGE = "must not contain NUL or unpaired surrogate characters";
/** Ids are never repaired: two ids differing only in a broken character would become one. */
const ID_FIELDS = ["eventId", "sessionId"] as const;

/** Why one event of a usable batch was not stored. Stable codes: clients and metrics key on them. */
export type EventRejectionCode =
  /** The event breaks the ingest schema in a way normalising cannot fix (wrong type, bad id, out-of-range number, too deep). */
  | "invalid_event"
  /** An onBeforeInsert tap returned this event broken: a bug in the tap, logged as such. */
  | "hook_invalid_event";

export interface EventRejection {
  /** Position in the batch as sent (for hook rejections: in the tap's output). */
  index: number;
  eventId: string | null;
  code: EventRejectionCode;
  /** JSON pointer within the batch, e.g. /events/3/props. */
  path: string;
  message: string;
}

/** A usable envelope's outcome: the events to store, and what was refused, cut or dropped on the way. */
export interface CheckedBatch {
  ok: true;
  payload: IngestPayload;
  rejections: EventRejection[];
  /** Events kept with a field cut or repaired (each says so in `meta.normalized`). */
  normalized: number;
  /** Envelope fields dropped or cut (a user that breaks the schema, an over-long app name). */
  warnings: PayloadIssue[];
}

/** An envelope that cannot be used: not an object, no usable session id, no events array, too many events. */
export interface RefusedBatch {
  ok: false;
  issues: PayloadIssue[];
}

export type BatchCheck = CheckedBatch | RefusedBatch;

/** What the caller already knows of a body. */
export interface PayloadHints {
  /** False when its raw JSON held no escape that could make NUL or a lone surrogate: the string walk is skipped. */
  mayHoldUnsafeText?: boolean;
}

const refused = (issues: PayloadIssue[]): RefusedBatch => ({ ok: false, issues });

/**
 * Compiles the ingest schemas once and returns the per-request check. A batch is judged event by
 * event: the envelope (an object with a session id and 1..maxEventsPerBatch events) decides whether
 * it is usable at all; each event is then normalised where its data stays meaningful, and stored,
 * or refused alone. A batch that passes the whole schema as sent (every SDK batch in practice) takes
 * one compiled validation and no copy.
 */
export function createBatchChecker(limits: PayloadLimits): (body: unknown, hints?: PayloadHints) => BatchCheck {
  const v = compileIngestSchemas(limits);
  const envelopeDepth = limits.maxObjectDepth + 3;

  function fastPath(body: unknown, hints: PayloadHints): CheckedBatch | null {
    if (!v.batch(body)) return null;
    if (depthExceeds({ ...body, events: [] }, envelopeDepth)) return null;
    if (hints.mayHoldUnsafeText !== false && unsafeTextAt(body) !== null) return null;
    if (body.user?.traits && depthExceeds(body.user.traits, limits.maxObjectDepth)) return null;
    if (body.events.some((e) => eventDepthIssue(e, limits, "") !== null)) return null;
    return { ok: true, payload: body, rejections: [], normalized: 0, warnings: [] };
  }

  /** The envelope made usable, or the issues that make it unusable. */
  function checkEnvelope(body: unknown): { envelope: Envelope; warnings: PayloadIssue[] } | RefusedBatch {
    if (!isPlainObject(body)) return refused([{ path: "/", message: "must be object" }]);
    if (depthExceeds({ ...body, events: [] }, envelopeDepth)) return refused([{ path: "/", message: `must not nest deeper than ${envelopeDepth}` }]);
    const warnings: PayloadIssue[] = [];
    const described = normalizeDescriptions(body, v.fields);
    let envelope = described.body;
    for (const [path, note] of Object.entries(described.notes)) {
      warnings.push({ path, message: "cutFrom" in note ? `cut from ${note.cutFrom} characters` : "invalid text replaced" });
    }
    if (envelope.user !== undefined) {
      const raw = envelope.user;
      const user = repairText(raw, "/user").value;
      if (!v.user(user) || (isPlainObject(raw) && typeof raw.id === "string" && hasUnsafeText(raw.id))) {
        warnings.push({ path: "/user", message: `dropped: ${issuesFrom(v.user.errors, "/user")[0]?.message ?? "invalid id"}; events stored without a user` });
        const { user: _dropped, ...rest } = envelope;
        envelope = rest;
      } else if (user.traits && depthExceeds(user.traits, limits.maxObjectDepth)) {
        warnings.push({ path: "/user/traits", message: `dropped: must not nest deeper than ${limits.maxObjectDepth}` });
        envelope = { ...envelope, user: { id: user.id } };
      } else {
        envelope = { ...envelope, user };
      }
    }
    if (!v.envelope(envelope)) return refused(issuesFrom(v.envelope.errors));
    const unsafe = unsafeTextAt({ ...envelope, events: [] });
    if (unsafe !== null) return refused([{ path: unsafe, message: UNSAFE_MESSAGE }]);
    return { envelope, warnings };
  }

  /** One event: stored as is, stored normalised, or refused with the reason. */
  function checkEvent(raw: unknown, index: number): { event: IngestEvent; normalized: boolean } | EventRejection {
    const at = `/events/${index}`;
    const eventId = isPlainObject(raw) && typeof raw.eventId === "string" ? raw.eventId.slice(0, 128) : null;
    const reject = (issue: PayloadIssue): EventRejection => ({ index, eventId, code: "invalid_event", path: issue.path, message: issue.message });
    if (!isPlainObject(raw)) return reject({ path: at, message: "must be object" });
    // Depth first: normalising recurses, and a refused depth needs no repair.
    const deep = eventDepthIssue(raw as unknown as IngestEvent, limits, at);
    if (deep) return reject(deep);
    for (const field of ID_FIELDS) {
      const id = raw[field];
      if (typeof id === "string" && hasUnsafeText(id)) return reject({ path: `${at}/${field}`, message: UNSAFE_MESSAGE });
    }
    const { event, notes } = normalizeEvent(raw, limits, v.fields);
    if (!v.event(event)) return reject(issuesFrom(v.event.errors, at)[0] ?? { path: at, message: "invalid" });
    return notes ? { event: withNotes(event, notes), normalized: true } : { event, normalized: false };
  }

  return (body, hints = {}) => {
    const fast = fastPath(body, hints);
    if (fast) return fast;
    const checked = checkEnvelope(body);
    if ("ok" in checked) return checked;
    const events: IngestEvent[] = [];
    const rejections: EventRejection[] = [];
    let normalized = 0;
    checked.envelope.events.forEach((raw, index) => {
      const r = checkEvent(raw, index);
      if ("code" in r) {
        rejections.push(r);
        return;
      }
      events.push(r.event);
      if (r.normalized) normalized++;
    });
    const payload = { ...checked.envelope, events } as IngestPayload;
    return { ok: true, payload, rejections, normalized, warnings: checked.warnings };
  };
}
