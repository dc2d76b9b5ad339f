import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { EVENT_TYPES, type IngestEvent, type IngestPayload } from "../events";
import { stringFieldLimits, type StringFieldLimits } from "./field-limits";

/** Bounds every ingest payload must respect; the router's body limit comes on top. */
export interface PayloadLimits {
  maxEventsPerBatch: number;
  maxPointsPerMove: number;
  maxStringLength: number;
  /** Nesting depth allowed inside free-form objects (meta, props, traits). */
  maxObjectDepth: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  maxEventsPerBatch: 500,
  maxPointsPerMove: 10_000,
  maxStringLength: 4096,
  maxObjectDepth: 8,
};

/** Where a body or an event breaks the schema, as a JSON pointer and a message. */
export interface PayloadIssue {
  path: string;
  message: string;
}

const MAX_TS = 8.64e15; // the largest valid JS Date
const COORD = { type: "number", minimum: -1e6, maximum: 1e8 } as const;
const ID = { type: "string", minLength: 1, maxLength: 128 } as const;
const TS = { type: "integer", minimum: 0, maximum: MAX_TS } as const;
const FREE_OBJECT = { type: "object", maxProperties: 200 } as const;

const strings = (fields: Record<string, number>) =>
  Object.fromEntries(Object.entries(fields).map(([k, max]) => [k, { type: "string", maxLength: max }]));

/** One event: the discriminated union of the seven SDK event types. */
function eventSchema(limits: PayloadLimits, f: StringFieldLimits): object {
  const base = {
    eventId: ID,
    sessionId: ID,
    ts: TS,
    ...strings(f.base),
    viewport: {
      type: "object",
      required: ["w", "h"],
      properties: {
        w: { type: "number", minimum: 0, maximum: 100_000 },
        h: { type: "number", minimum: 0, maximum: 100_000 },
        dpr: { type: "number", minimum: 0, maximum: 100 },
      },
    },
    device: { type: "object", properties: strings(f.device) },
    meta: FREE_OBJECT,
  };
  const baseRequired = ["eventId", "sessionId", "ts", "path", "viewport", "device", "type"];
  const variant = (type: (typeof EVENT_TYPES)[number], properties: Record<string, object>, required: string[] = []) => ({
    type: "object",
    required: [...baseRequired, ...required],
    properties: { ...base, type: { const: type }, ...strings(f.byType[type] ?? {}), ...properties },
  });
  return {
    type: "object",
    required: ["type"],
    properties: { type: { enum: [...EVENT_TYPES] } },
    discriminator: { propertyName: "type" },
    oneOf: [
      variant("click", { x: COORD, y: COORD, button: { type: "integer", minimum: -1, maximum: 32 } }, ["x", "y"]),
      variant(
        "move",
        {
          points: {
            type: "array",
            minItems: 1,
            maxItems: limits.maxPointsPerMove,
            items: {
              type: "object",
              required: ["x", "y", "tsOffset"],
              properties: { x: COORD, y: COORD, tsOffset: { type: "number", minimum: 0, maximum: 8.64e7 } },
            },
          },
        },
        ["points"],
      ),
      variant(
        "scroll",
        { scrollY: { type: "number", minimum: 0, maximum: 1e8 }, scrollDepthPct: { type: "number", minimum: 0, maximum: 100 } },
        ["scrollY", "scrollDepthPct"],
      ),
      variant("pageview", {}, ["to"]),
      variant("custom", { name: { type: "string", minLength: 1, maxLength: f.byType.custom?.name ?? 256 }, props: FREE_OBJECT }, ["name"]),
      variant("input", { action: { enum: ["focus", "blur", "change"] }, length: { type: "integer", minimum: 0, maximum: 1e7 } }, ["action"]),
      variant("keyboard", { category: { enum: ["navigation", "editing", "modifier", "system", "other"] } }, ["category"]),
    ],
  };
}

/** The body around the events; `events` items are checked by `items` (the strict schema) or not at all (the envelope). */
function batchSchema(limits: PayloadLimits, f: StringFieldLimits, items: object | undefined): object {
  return {
    type: "object",
    required: ["session", "events"],
    properties: {
      sdk: { type: "object", properties: strings(f.sdk) },
      app: { type: "object", properties: strings(f.app) },
      session: { type: "object", required: ["id"], properties: { id: ID, startedAt: TS, lastSeenAt: TS } },
      user: { type: "object", required: ["id"], properties: { id: ID, traits: FREE_OBJECT } },
      events: { type: "array", minItems: 1, maxItems: limits.maxEventsPerBatch, ...(items && { items }) },
    },
  };
}

/** The user object alone: the envelope check drops a user it refuses instead of refusing the batch. */
const USER_SCHEMA = { type: "object", required: ["id"], properties: { id: ID, traits: FREE_OBJECT } };

/** The walk's stack, shared by every call (checks are synchronous): no allocation per checked value. */
const pendingValues: Array<object | undefined> = [];
const pendingDepths: number[] = [];

/**
 * Whether an object or array nests `limit` levels or more below `value`. Walked iteratively so
 * hostile nesting cannot blow the stack, and without allocating: it runs on every event of every
 * batch (a move trail is 16 objects), where a tuple per value made it ~2 KB of garbage per event.
 */
export function depthExceeds(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  let top = 0;
  pendingValues[0] = value;
  pendingDepths[0] = 0;
  try {
    while (top >= 0) {
      const v = pendingValues[top]!;
      const d = pendingDepths[top]!;
      top--;
      if (d >= limit) return true;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const child: unknown = v[i];
          if (child !== null && typeof child === "object") {
            pendingValues[++top] = child;
            pendingDepths[top] = d + 1;
          }
        }
      } else {
        for (const k in v) {
          const child: unknown = (v as Record<string, unknown>)[k];
          if (child !== null && typeof child === "object" && Object.prototype.hasOwnProperty.call(v, k)) {
            pendingValues[++top] = child;
            pendingDepths[top] = d + 1;
          }
        }
      }
    }
    return false;
  } finally {
    // No reference to the body outlives the check; the slots (a few dozen) are kept for the next one.
    pendingValues.fill(undefined);
  }
}

export function issuesFrom(errors: ErrorObject[] | null | undefined, prefix = ""): PayloadIssue[] {
  return (errors ?? []).slice(0, 10).map((e) => ({ path: `${prefix}${e.instancePath}` || "/", message: e.message ?? "invalid" }));
}

/** The depth rules on one event (free-form objects, then unknown fields); null when it keeps them. */
export function eventDepthIssue(e: IngestEvent, limits: PayloadLimits, prefix: string): PayloadIssue | null {
  const max = limits.maxObjectDepth;
  if (e.meta && depthExceeds(e.meta, max)) return { path: `${prefix}/meta`, message: `must not nest deeper than ${max}` };
  if (e.type === "custom" && e.props && depthExceeds(e.props, max)) return { path: `${prefix}/props`, message: `must not nest deeper than ${max}` };
  // Bounds unknown extra fields too: the event sits 2 levels below the body, whose bound is max + 3.
  if (depthExceeds(e, max + 1)) return { path: prefix || "/", message: `must not nest deeper than ${max + 1}` };
  return null;
}

/** The compiled schemas: a whole batch (the fast path), the envelope alone, one event, a user. */
export interface IngestValidators {
  batch: ValidateFunction<IngestPayload>;
  envelope: ValidateFunction<Omit<IngestPayload, "events"> & { events: unknown[] }>;
  event: ValidateFunction<IngestEvent>;
  user: ValidateFunction<NonNullable<IngestPayload["user"]>>;
  fields: StringFieldLimits;
}

/** Compiles every ingest schema once; checks are then cheap calls per request. */
export function compileIngestSchemas(limits: PayloadLimits): IngestValidators {
  const ajv = new Ajv({ discriminator: true, allErrors: false, strict: true });
  const fields = stringFieldLimits(limits.maxStringLength);
  const event = eventSchema(limits, fields);
  return {
    batch: ajv.compile<IngestPayload>(batchSchema(limits, fields, event)),
    envelope: ajv.compile<Omit<IngestPayload, "events"> & { events: unknown[] }>(batchSchema(limits, fields, undefined)),
    event: ajv.compile<IngestEvent>(event),
    user: ajv.compile<NonNullable<IngestPayload["user"]>>(USER_SCHEMA),
    fields,
  };
}
