// @ts-check
/**
 * Seeded generator of SDK-shaped ingest batches (the body @m-software-engineering/heat-sdk 0.2.6
 * posts, see test/src/helpers/sdk.ts). Mix per batch of 50: ~40% move trails of 15 points, ~25%
 * clicks clustered on per-page hot spots, ~20% scrolls, the rest pageview/custom/input/keyboard.
 * Several pages, viewports and concurrent sessions; all times fall inside a fixed window.
 */

/** @typedef {{ w: number, h: number, dpr: number }} Viewport */
/** @typedef {Record<string, unknown>} SdkEvent */
/** @typedef {{ sdk: object, app: object, session: { id: string, startedAt: number, lastSeenAt: number }, events: SdkEvent[] }} SdkPayload */

export const SDK = { name: "@m-software-engineering/heat-sdk", version: "0.2.6" };
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
export const BATCH_EVENTS = 50;
export const TRAIL_POINTS = 15;
/** Data window: 30 whole UTC days, in the past so the baseline's default `to` (now) covers it. */
export const WINDOW_START = Date.UTC(2026, 8, 1);
export const WINDOW_DAYS = 30;
export const WINDOW_END = WINDOW_START + WINDOW_DAYS * 86_400_000 - 1;

/** mulberry32: small, fast, deterministic. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = [
  { path: "/", weight: 40, height: 3200 },
  { path: "/pricing", weight: 20, height: 2400 },
  { path: "/products/widget", weight: 20, height: 4000 },
  { path: "/blog/launch", weight: 12, height: 6000 },
  { path: "/checkout", weight: 8, height: 1800 },
];
/** @type {Viewport[]} */
const VIEWPORTS = [
  { w: 1280, h: 720, dpr: 1 },
  { w: 1920, h: 1080, dpr: 1 },
  { w: 1440, h: 900, dpr: 2 },
  { w: 390, h: 844, dpr: 3 },
];
/** Hot spots as fractions of (viewport width, page height): nav, hero CTA, cards, footer. */
const HOT_SPOTS = [
  [0.1, 0.01], [0.85, 0.01], [0.5, 0.12], [0.3, 0.3], [0.7, 0.3], [0.5, 0.55], [0.2, 0.95],
];

function pick(r, items, weightOf) {
  let total = 0;
  for (const it of items) total += weightOf(it);
  let x = r() * total;
  for (const it of items) {
    x -= weightOf(it);
    if (x <= 0) return it;
  }
  return items[items.length - 1];
}

/** A version-4 UUID drawn from `r`, as the SDK's crypto.randomUUID() makes them (random, so ids
 * never arrive in key order), followed by `tag`, which keeps ids distinct across passes. */
function uuid(r, tag) {
  const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(r() * 4)]}${hex(3)}-${hex(12)}.${tag}`;
}

/** Approximately normal, mean 0, sd 1 (sum of uniforms: cheap and bounded). */
const gauss = (r) => r() + r() + r() + r() - 2;

/**
 * An endless stream of SDK batches from `seed`. `sessions` sessions are live at once; each posts a
 * few batches and is then replaced, as real traffic does.
 */
export class Workload {
  /**
   * @param {number} seed
   * @param {{ sessions?: number, tag?: string, from?: number, to?: number, live?: (offsetMs: number) => number | string, id?: () => string }} [opts]
   * `live`: batches as the SDK posts live traffic, every event stamped `live(offset)`, offset ≤ 0
   * ms before the batch is sent (see `next`); without it, sessions' clocks run from `from`/`to`.
   * `id`: makes session and event ids (e.g. crypto.randomUUID, as the SDK does); default: seeded
   * UUIDs followed by `.tag`.
   */
  constructor(seed, opts = {}) {
    this.r = rng(seed);
    this.live = opts.live;
    this.id = opts.id;
    /** Sessions start in [from, to - 1 h): the whole window unless a loader seeds one day at a time. */
    this.from = opts.from ?? WINDOW_START;
    this.to = opts.to ?? WINDOW_END;
    this.tag = opts.tag ?? `w${seed}`;
    /** @type {Array<{ id: string, vp: Viewport, page: typeof PAGES[number], ts: number, startedAt: number, n: number, left: number, x: number, y: number }>} */
    this.sessions = [];
    for (let i = 0; i < (opts.sessions ?? 64); i++) this.sessions.push(this.newSession());
  }

  newSession() {
    const r = this.r;
    const startedAt = this.from + Math.floor(r() * Math.max(1, this.to - this.from - 3_600_000));
    const vp = pick(r, VIEWPORTS, () => 1);
    return { id: this.id ? this.id() : uuid(r, this.tag), vp, page: pick(r, PAGES, (p) => p.weight), ts: startedAt, startedAt, n: 0, left: 1 + Math.floor(r() * 6), x: vp.w / 2, y: vp.h / 2 };
  }

  /** Next batch body (an object; JSON.stringify it to post). */
  next(events = BATCH_EVENTS) {
    const i = Math.floor(this.r() * this.sessions.length);
    const s = this.sessions[i];
    const out = [];
    for (let k = 0; k < events; k++) out.push(this.event(s));
    const body = {
      sdk: { ...SDK },
      app: { name: "shop", version: "1.2.3", env: "production" },
      session: { id: s.id, startedAt: s.startedAt, lastSeenAt: s.ts },
      events: out,
    };
    if (this.live) {
      // The SDK posts what was captured since its last flush, every 2 s (or at 50 events): so a
      // batch covers the 2 s before it is sent, and the session began a few of its flushes ago.
      out.forEach((e, k) => (e.ts = this.live(-2000 + Math.round((2000 * (k + 1)) / out.length))));
      body.session.startedAt = this.live(-2000 * Math.ceil(s.n / out.length));
      body.session.lastSeenAt = this.live(0);
    }
    if (--s.left <= 0) this.sessions[i] = this.newSession();
    return body;
  }

  /** A batch of only move trails: `trails` × 15 points, to test large expansions. */
  moves(trails) {
    const s = this.newSession();
    const events = [];
    for (let k = 0; k < trails; k++) events.push(this.move(s));
    return { sdk: { ...SDK }, app: { name: "shop", version: "1.2.3", env: "production" }, session: { id: s.id, startedAt: s.startedAt, lastSeenAt: s.ts }, events };
  }

  base(s, type) {
    s.n += 1;
    s.ts += 200 + Math.floor(this.r() * 1500);
    const { w, h } = s.vp;
    return {
      type,
      eventId: this.id ? this.id() : uuid(this.r, this.tag),
      sessionId: s.id,
      ts: s.ts,
      path: s.page.path,
      viewport: { w, h, dpr: s.vp.dpr },
      device: { ua: UA, platform: "Linux x86_64", language: "en-US" },
      meta: { viewportBucket: `${Math.round(w / 100) * 100}x${Math.round(h / 100) * 100}` },
    };
  }

  hotSpot(s) {
    const [fx, fy] = HOT_SPOTS[Math.floor(this.r() * HOT_SPOTS.length)];
    const x = Math.round(Math.min(s.vp.w - 1, Math.max(0, fx * s.vp.w + gauss(this.r) * 30)));
    const y = Math.round(Math.min(s.page.height - 1, Math.max(0, fy * s.page.height + gauss(this.r) * 25)));
    return [x, y];
  }

  move(s) {
    const e = this.base(s, "move");
    const points = [];
    // A trail drifts from the pointer's last spot towards a hot spot.
    const [tx, ty] = this.hotSpot(s);
    for (let p = 0; p < TRAIL_POINTS; p++) {
      s.x += (tx - s.x) / (TRAIL_POINTS - p) + gauss(this.r) * 6;
      s.y += (ty - s.y) / (TRAIL_POINTS - p) + gauss(this.r) * 6;
      points.push({ x: Math.round(Math.max(0, s.x)), y: Math.round(Math.max(0, s.y)), tsOffset: p * 80 });
    }
    e.points = points;
    return e;
  }

  event(s) {
    const r = this.r();
    if (r < 0.4) return this.move(s);
    if (r < 0.65) {
      const [x, y] = this.hotSpot(s);
      return { ...this.base(s, "click"), x, y, selector: "a.cta", button: 0 };
    }
    if (r < 0.85) {
      const pct = Math.round(Math.min(100, this.r() * 110));
      return { ...this.base(s, "scroll"), scrollY: Math.round((pct / 100) * s.page.height), scrollDepthPct: pct };
    }
    if (r < 0.9) {
      const from = s.page.path;
      s.page = pick(this.r, PAGES, (p) => p.weight);
      return { ...this.base(s, "pageview"), from, to: s.page.path };
    }
    if (r < 0.95) return { ...this.base(s, "custom"), name: "add_to_cart", props: { sku: "W-1", qty: 1 } };
    if (r < 0.98) return { ...this.base(s, "input"), action: "change", selector: "input#email", inputType: "email", length: 12, masked: "************" };
    return { ...this.base(s, "keyboard"), category: "navigation" };
  }
}

/** Rows the baseline stores for a body: one per move point, one per other event. */
export function baselineRows(body) {
  let n = 0;
  for (const e of body.events) n += e.type === "move" && Array.isArray(e.points) ? e.points.length : 1;
  return n;
}

/**
 * The seeders' traffic: `target` events spread evenly over the window's days, one day at a time,
 * each day's sessions starting inside it. Yields each day's generator and how many events to take.
 * @param {number} target
 * @returns {Generator<{ wl: Workload, want: number }>}
 */
export function* seedDays(target) {
  const perDay = Math.ceil(target / WINDOW_DAYS);
  for (let d = 0, left = target; d < WINDOW_DAYS && left > 0; d++) {
    const from = WINDOW_START + d * 86_400_000;
    const want = Math.min(perDay, left);
    yield { wl: new Workload(42 + d, { sessions: 256, tag: `seed-d${d}`, from, to: from + 86_400_000 }), want };
    left -= want;
  }
}
