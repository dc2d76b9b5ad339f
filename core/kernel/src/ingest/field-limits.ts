import type { EventType } from "../events";

/**
 * The longest value each known string field may hold, in UTF-16 code units. The ingest schema
 * enforces them and the normaliser cuts longer values to them (never refusing the event), so both
 * read this one table.
 */
export interface StringFieldLimits {
  /** Fields every event has (`device.*` nested under `device`). */
  base: { path: number };
  device: { ua: number; platform: number; language: number };
  /** Type-specific fields. */
  byType: Partial<Record<EventType, Record<string, number>>>;
  sdk: { name: number; version: number };
  app: { name: number; version: number; env: number };
}

/** Paths (pathname + search + hash, as the SDK sends them) and pageview targets. */
export const PATH_MAX_LENGTH = 2048;

export function stringFieldLimits(maxStringLength: number): StringFieldLimits {
  return {
    base: { path: PATH_MAX_LENGTH },
    device: { ua: 1024, platform: 256, language: 64 },
    byType: {
      click: { selector: maxStringLength },
      pageview: { from: PATH_MAX_LENGTH, to: PATH_MAX_LENGTH },
      custom: { name: 256 },
      input: { selector: maxStringLength, inputType: 64, masked: 1024 },
    },
    sdk: { name: 128, version: 64 },
    app: { name: 256, version: 64, env: 64 },
  };
}
