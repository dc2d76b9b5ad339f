import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { EVENT_TYPES, type IngestPayload } from "../events";

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

const MAX_TS = 8.64e15; // the largest valid JS Date
const COORD = { type: "number", minimum: -1e6, maximum: 1e8 } as const;

function schemaFor(limits: PayloadLimits): object {
  const str = (max = limits.maxStringLength) => ({ type: "string", maxLength: max });
  const id = { type: "string", minLength: 1, maxLength: 128 };
  const freeObject = { type: "object", maxProperties: 200 };
  const base = {
    eventId: id,
    sessionId: id,
    ts: { type: "integer", minimum: 0, maximum: MAX_TS },
    path: str(2048),
    viewport: {
      type: "object",
      required: ["w", "h"],
      properties: {
        w: { type: "number", minimum: 0, maximum: 100_000 },
        h: { type: "number", minimum: 0, maximum: 100_000 },
        dpr: { type: "number", minimum: 0, maximum: 100 },
      },
    },
    device: {
      type: "object",
      properties: { ua: str(1024), platform: str(256), language: str(64) },
    },
    meta: freeObject,
  };
  const baseRequired = ["eventId", "sessionId", "ts", "path", "viewport", "device", "type"];
  const variant = (type: string, properties: Record<string, object>, required: string[] = []) => ({
    type: "object",
    required: [...baseRequired, ...required],
    properties: { ...base, type: { const: type }, ...properties },
  });
  return {
    type: "object",
    required: ["session", "events"],
    properties: {
      sdk: { type: "object", properties: { name: str(128), version: str(64) } },
      app: { type: "object", properties: { name: str(256), version: str(64), env: str(64) } },
      session: {
        type: "object",
        required: ["id"],
        properties: {
          id,
          startedAt: { type: "integer", minimum: 0, maximum: MAX_TS },
          lastSeenAt: { type: "integer", minimum: 0, maximum: MAX_TS },
        },
      },
      user: { type: "object", required: ["id"], properties: { id: { ...id }, traits: freeObject } },
      events: {
        type: "array",
        minItems: 1,
        maxItems: limits.maxEventsPerBatch,
        items: {
          type: "object",
          required: ["type"],
          properties: { type: { enum: [...EVENT_TYPES] } },
          discriminator: { propertyName: "type" },
          oneOf: [
            variant("click", { x: COORD, y: COORD, selector: str(), button: { type: "integer", minimum: -1, maximum: 32 } }, ["x", "y"]),
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
            variant("pageview", { from: str(2048), to: str(2048) }, ["to"]),
            variant("custom", { name: { type: "string", minLength: 1, maxLength: 256 }, props: freeObject }, ["name"]),
            variant(
              "input",
              {
                action: { enum: ["focus", "blur", "change"] },
                selector: str(),
                inputType: str(64),
                length: { type: "integer", minimum: 0, maximum: 1e7 },
                masked: str(1024),
              },
              ["action"],
            ),
            variant("keyboard", { category: { enum: ["navigation", "editing", "modifier", "system", "other"] } }, ["category"]),
          ],
        },
      },
    },
  };
}

export interface PayloadIssue {
  path: string;
  message: string;
}

export type PayloadCheck = { ok: true; payload: IngestPayload } | { ok: false; issues: PayloadIssue[] };

/** Depth of nested objects/arrays, walked iteratively so hostile nesting cannot blow the stack. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

/** NUL and unpaired surrogates: valid JSON escapes that no database text type stores faithfully. */
const UNSAFE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Path of the first string (value or key) holding unsafe text, walked iteratively. */
function unsafeTextAt(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (UNSAFE_TEXT.test(v)) return path || "/";
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    for (const [k, child] of Object.entries(v)) {
      if (UNSAFE_TEXT.test(k)) return `${path}/${k.replace(/[\u0000-\u001f\ud800-\udfff]/g, "?")}`;
      stack.push([child, `${path}/${k}`]);
    }
  }
  return null;
}

function issuesFrom(errors: ErrorObject[] | null | undefined): PayloadIssue[] {
  return (errors ?? []).slice(0, 10).map((e) => ({ path: e.instancePath || "/", message: e.message ?? "invalid" }));
}

/** What the caller already knows of a body. */
export interface PayloadHints {
  /** False when its raw JSON held no escape that could make NUL or a lone surrogate: the string walk is skipped. */
  mayHoldUnsafeText?: boolean;
}

/** Compiles the ingest schema once; `check` is then a cheap call per request. */
export function createPayloadValidator(limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): (body: unknown, hints?: PayloadHints) => PayloadCheck {
  const ajv = new Ajv({ discriminator: true, allErrors: false, strict: true });
  const validate = ajv.compile(schemaFor(limits)) as ValidateFunction<IngestPayload>;
  return (body, hints = {}) => {
    if (!validate(body)) return { ok: false, issues: issuesFrom(validate.errors) };
    const payload = body;
    const unsafe = hints.mayHoldUnsafeText === false ? null : unsafeTextAt(payload);
    if (unsafe !== null) return { ok: false, issues: [{ path: unsafe, message: "must not contain NUL or unpaired surrogate characters" }] };
    if (payload.user?.traits && depthExceeds(payload.user.traits, limits.maxObjectDepth)) {
      return { ok: false, issues: [{ path: "/user/traits", message: `must not nest deeper than ${limits.maxObjectDepth}` }] };
    }
    for (let i = 0; i < payload.events.length; i++) {
      const e = payload.events[i]!;
      if (e.meta && depthExceeds(e.meta, limits.maxObjectDepth)) {
        return { ok: false, issues: [{ path: `/events/${i}/meta`, message: `must not nest deeper than ${limits.maxObjectDepth}` }] };
      }
      if (e.type === "custom" && e.props && depthExceeds(e.props, limits.maxObjectDepth)) {
        return { ok: false, issues: [{ path: `/events/${i}/props`, message: `must not nest deeper than ${limits.maxObjectDepth}` }] };
      }
    }
    // Bounds unknown extra fields too (payload → events → event is 3 levels).
    if (depthExceeds(payload, limits.maxObjectDepth + 3)) {
      return { ok: false, issues: [{ path: "/", message: `must not nest deeper than ${limits.maxObjectDepth + 3}` }] };
    }
    return { ok: true, payload };
  };
}
