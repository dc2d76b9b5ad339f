/**
 * The wire format the browser SDK (@m-software-engineering/heat-sdk 0.2.x) posts to /ingest,
 * checked against what 0.2.6's dist/index.mjs really sends.
 */

export const EVENT_TYPES = ["click", "move", "scroll", "pageview", "custom", "input", "keyboard"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Types that have a position on the page and therefore plot on a heatmap. */
export const PLOTTABLE_TYPES: readonly EventType[] = ["click", "move", "scroll"];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Viewport {
  w: number;
  h: number;
  dpr?: number;
}

export interface Device {
  ua?: string;
  platform?: string;
  language?: string;
}

export interface EventBase {
  eventId: string;
  sessionId: string;
  ts: number;
  path: string;
  viewport: Viewport;
  device: Device;
  meta?: JsonObject;
}

export interface ClickEvent extends EventBase {
  type: "click";
  x: number;
  y: number;
  selector?: string;
  button?: number;
}

export interface MovePoint {
  x: number;
  y: number;
  tsOffset: number;
}

export interface MoveEvent extends EventBase {
  type: "move";
  points: MovePoint[];
}

export interface ScrollEvent extends EventBase {
  type: "scroll";
  scrollY: number;
  scrollDepthPct: number;
}

export interface PageviewEvent extends EventBase {
  type: "pageview";
  from?: string;
  to: string;
}

export interface CustomEvent extends EventBase {
  type: "custom";
  name: string;
  props?: JsonObject;
}

export interface InputEvent extends EventBase {
  type: "input";
  action: "focus" | "blur" | "change";
  selector?: string;
  inputType?: string;
  length?: number;
  masked?: string;
}

export interface KeyboardEvent extends EventBase {
  type: "keyboard";
  category: "navigation" | "editing" | "modifier" | "system" | "other";
}

export type IngestEvent = ClickEvent | MoveEvent | ScrollEvent | PageviewEvent | CustomEvent | InputEvent | KeyboardEvent;

/** One POST /ingest body. */
export interface IngestPayload {
  sdk?: { name?: string; version?: string };
  app?: { name?: string; version?: string; env?: string };
  session: { id: string; startedAt?: number; lastSeenAt?: number };
  user?: { id: string; traits?: JsonObject };
  events: IngestEvent[];
}
