/**
 * Payloads shaped exactly as @m-software-engineering/heat-sdk 0.2.6 builds them (dist/index.mjs:
 * baseEvent, handleClick, enqueueMoveEvent, handleScroll, recordPageview, track, captureInputEvent,
 * handleKeyboard, sendBatch). Deterministic: ids and times come from a seed.
 */
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";

export const SDK = { name: "@m-software-engineering/heat-sdk", version: "0.2.6" };
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

export class SdkSession {
  private n = 0;
  readonly sessionId: string;
  readonly startedAt: number;
  ts: number;

  constructor(
    readonly seed: string,
    start = Date.UTC(2026, 10, 2, 10, 0, 0),
    readonly viewport = { w: 1280, h: 720, dpr: 1 },
  ) {
    this.sessionId = `${seed}-session`;
    this.startedAt = start;
    this.ts = start;
  }

  private base(path: string) {
    this.n += 1;
    this.ts += 250;
    const { w, h } = this.viewport;
    return {
      eventId: `${this.seed}-e${String(this.n).padStart(5, "0")}`,
      sessionId: this.sessionId,
      ts: this.ts,
      path,
      viewport: { ...this.viewport },
      device: { ua: UA, platform: "Linux x86_64", language: "en-US" },
      meta: { viewportBucket: `${Math.round(w / 100) * 100}x${Math.round(h / 100) * 100}` },
    };
  }

  click(x: number, y: number, path = "/", selector = "button#buy"): IngestEvent {
    return { ...this.base(path), type: "click", x, y, selector, button: 0 };
  }
  move(points: Array<[number, number]>, path = "/"): IngestEvent {
    return { ...this.base(path), type: "move", points: points.map(([x, y], i) => ({ x, y, tsOffset: i * 80 })) };
  }
  scroll(scrollY: number, scrollDepthPct: number, path = "/"): IngestEvent {
    return { ...this.base(path), type: "scroll", scrollY, scrollDepthPct };
  }
  pageview(to: string, from?: string): IngestEvent {
    return { ...this.base(to), type: "pageview", ...(from !== undefined && { from }), to };
  }
  custom(name: string, props?: Record<string, string | number | boolean>, path = "/"): IngestEvent {
    return { ...this.base(path), type: "custom", name, ...(props && { props }) };
  }
  input(action: "focus" | "blur" | "change", masked?: string, path = "/"): IngestEvent {
    return { ...this.base(path), type: "input", action, selector: "input#email", inputType: "email", length: masked?.length ?? 0, ...(masked !== undefined && { masked }) };
  }
  keyboard(category: "navigation" | "editing" | "modifier" | "system" | "other", path = "/"): IngestEvent {
    return { ...this.base(path), type: "keyboard", category };
  }

  /** The body sendBatch posts. */
  payload(events: IngestEvent[], user?: { id: string; traits?: Record<string, string> }): IngestPayload {
    return {
      sdk: { ...SDK },
      app: { name: "shop", version: "1.2.3", env: "test" },
      session: { id: this.sessionId, startedAt: this.startedAt, lastSeenAt: this.ts },
      ...(user && { user }),
      events,
    };
  }
}
