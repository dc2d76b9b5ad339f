/** SDK-shaped traffic for the multi-instance suites, and what the collector must hold after it. */
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../../helpers/sdk";
import { rng } from "../../helpers/rng";

export const BATCH = 50;

export interface Traffic {
  /** Per session, its batches in the order the SDK sends them. */
  sessions: IngestPayload[][];
  /** Every distinct event sent. */
  events: IngestEvent[];
}

/**
 * `sessions` sessions of `batches` full batches each, every event type, in one 1300x700 bucket;
 * session i starts 23 minutes after session i-1, so the sessions span hours (rollup periods) of T0's day.
 */
export function sdkTraffic(seed: string, sessions: number, batches: number, t0: number): Traffic {
  const random = rng(sessions * 1000 + batches);
  const px = (n: number) => Math.floor(random() * n);
  const events: IngestEvent[] = [];
  const perSession = Array.from({ length: sessions }, (_, si) => {
    const s = new SdkSession(`${seed}-${si}`, t0 + si * 23 * 60_000, { w: 1280, h: 720, dpr: 1 });
    return Array.from({ length: batches }, () => {
      const batch = Array.from({ length: BATCH }, (_, i): IngestEvent => {
        switch (i % 10) {
          case 4:
          case 5:
            return s.move(Array.from({ length: 2 + px(4) }, () => [px(1280), px(2400)] as [number, number]));
          case 6:
            return s.scroll(px(2000), px(101));
          case 7:
            return s.custom("add_to_cart", { sku: `sku-${px(9)}` });
          case 8:
            return s.input("change", "***");
          case 9:
            return i % 20 === 9 ? s.keyboard("navigation") : s.pageview("/pricing", "/");
          default:
            return s.click(px(1280), px(2400));
        }
      });
      events.push(...batch);
      return s.payload(batch);
    });
  });
  return { sessions: perSession, events };
}

export const eventKey = (e: { sessionId: string; eventId: string }): string => `${e.sessionId}/${e.eventId}`;

/** Heatmap samples per type: a click, each point of a move trail, and any other event count one. */
export function samplesByType(events: IngestEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + (e.type === "move" ? e.points.length : 1);
  return out;
}

export function clicksOf(events: IngestEvent[]): Array<{ x: number; y: number; ts: number }> {
  return events.flatMap((e) => (e.type === "click" ? [{ x: e.x, y: e.y, ts: e.ts }] : []));
}
