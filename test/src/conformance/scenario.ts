/**
 * The conformance inputs (SDK-shaped batches) and the API reads whose responses must be identical
 * on every store.
 */
import type { IngestEvent, IngestPayload } from "@m-software-engineering/heat-collector";
import { SdkSession } from "../helpers/sdk";
import { PROJECT } from "../helpers/collector";

const T0 = Date.UTC(2026, 10, 2, 10, 0, 0);
/** 2^32 seconds in ms (year 2106): beyond every 32-bit column, epoch hours beyond 2^31 / 1000. */
const BEYOND_2_32 = 2 ** 32 * 1000;
/** The last valid JS Date, minus a minute. */
const FAR_FUTURE = 8.64e15 - 60_000;

/** Paths of the pathPattern session (one click and one scroll each). */
export const PATTERN_PAGES = ["/blog", "/blog/", "/blog/a", "/blog/a/?ref=x", "/blog/b/c", "/p/1/edit", "/p/2/edit/", "/p/2/view"];
export const UNICODE_PATH = "/café/日本語/😀";
export const LONG_PAGE = `/${"ü".repeat(1023)}${"日".repeat(1024)}`; // 2048 chars, 5 KB of UTF-8
const LONG_SELECTOR = `main > div.ünïcödé[data-x="😀"] ${"> span.c".repeat(600)}`.slice(0, 4096);

export interface Scenario {
  batches: IngestPayload[];
  orderingBatch(): IngestPayload;
  concurrentBatches(n: number, size: number): IngestPayload[];
  retryBatch: IngestPayload;
  failingBatch(): { failing: IngestPayload; good: IngestPayload };
}

/** Fresh inputs for one store: the SDK sessions number their events, so every store needs its own. */
export function buildScenario(): Scenario {
  const main = new SdkSession("conf-a", T0);
  const unicode = new SdkSession("conf-u", T0 + 2 * 3600_000, { w: 390, h: 844, dpr: 3 });
  const future = new SdkSession("conf-f", BEYOND_2_32);
  const farFuture = new SdkSession("conf-ff", FAR_FUTURE);
  const concurrent = new SdkSession("conf-c", T0 + 26 * 3600_000);
  const order = new SdkSession("conf-o", T0 + 5 * 3600_000);
  const patterns = new SdkSession("conf-p", T0 + 8 * 3600_000);
  const tablet = new SdkSession("conf-t", T0 + 9 * 3600_000, { w: 1024, h: 768, dpr: 2 });
  const desktop = new SdkSession("conf-d", T0 + 9 * 3600_000 + 1800_000, { w: 1440, h: 900, dpr: 1 });

  /** Sequential batches: every event type, unicode and long pages, far timestamps. */
  const batches: IngestPayload[] = [
    main.payload(
      [
        main.pageview("/pricing?plan=pro#top"),
        main.click(640, 1200, "/pricing?plan=pro#top", "main > button#buy.cta"),
        main.click(641, 1203, "/pricing"),
        main.move([[10, 10], [20, 12], [30, 14], [40, 1500], [1279, 719]], "/pricing"),
        main.scroll(900, 55.5, "/pricing"),
        main.scroll(1800, 100, "/pricing"),
        main.custom("checkout_started", { plan: "pro", seats: 3, trial: true }, "/pricing"),
        main.input("change", "*****", "/pricing"),
        main.keyboard("navigation", "/pricing"),
      ],
      { id: "user-1", traits: { tier: "gold", name: "Zoë" } },
    ),
    main.payload([main.click(100, 100, "/Pricing"), main.pageview("/thanks", "/pricing?plan=pro#top"), main.click(5, 5, "/thanks")], { id: "user-1" }),
    unicode.payload([
      unicode.pageview(`${UNICODE_PATH}?q=ü#h`),
      unicode.click(200, 300, `${UNICODE_PATH}?q=ü#h`, LONG_SELECTOR),
      unicode.click(201, 301, UNICODE_PATH, LONG_SELECTOR),
      unicode.click(10, 20, LONG_PAGE, LONG_SELECTOR),
      unicode.move([[1, 2], [3, 4]], LONG_PAGE),
      unicode.custom("ünïcode 😀", { note: "日本語" }, UNICODE_PATH),
    ]),
    future.payload([future.pageview("/future"), future.click(50, 60, "/future"), future.scroll(10, 33.3, "/future")], { id: "user-2" }),
    farFuture.payload([farFuture.click(70, 80, "/future"), farFuture.click(70, 81, "/future")]),
    // Pages for pathPattern: trailing slashes, nested segments, a query on a matched page.
    patterns.payload(PATTERN_PAGES.flatMap((path, i) => [patterns.click(16 * i, 24, path), patterns.scroll(100, 10 * i, path)])),
    // More widths: a tablet (1000x800, the 768-1279 band) and a wide desktop (1400x900), clicking the
    // same reflowed layout at the same shares of their widths.
    tablet.payload([tablet.click(512, 400, "/pricing"), tablet.click(1000, 50, "/pricing"), tablet.move([[100, 100], [900, 2000]], "/pricing"), tablet.scroll(700, 80, "/pricing")]),
    desktop.payload([desktop.click(720, 400, "/pricing"), desktop.click(1400, 50, "/pricing"), desktop.click(1439, 3000, "/pricing"), desktop.pageview("/pricing")]),
  ];

  /** Events at one timestamp whose ids only byte order tells apart (case, accents, a trailing space). */
  function orderingBatch(): IngestPayload {
    const ids = ["ord-a", "ord-B", "ord-é", "ord-Z", "ord-a ", "ord-b", "ord-ä"];
    const events = ids.map((eventId) => ({ ...order.click(300, 300, "/order"), eventId, ts: order.startedAt + 1000 }));
    return order.payload(events);
  }

  /** Distinct batches of one session, to be sent at once. */
  function concurrentBatches(n: number, size: number): IngestPayload[] {
    return Array.from({ length: n }, (_, b) =>
      concurrent.payload(Array.from({ length: size }, (_, i) => concurrent.click(10 + b * 8, 10 + i * 8, "/burst"))),
    );
  }

  /** One batch for re-sending at once (concurrent retries). */
  const retryBatch: IngestPayload = (() => {
    const s = new SdkSession("conf-r", T0 + 30 * 3600_000);
    const events: IngestEvent[] = [];
    for (let i = 0; i < 40; i++) events.push(i % 4 === 0 ? s.move([[i, i], [i + 500, i + 9]], "/retry") : s.click(i * 16, 40, "/retry"));
    return s.payload(events, { id: "user-3" });
  })();

  /** A batch that must fail half-way: its second session is refused by a trigger the test creates. */
  function failingBatch(): { failing: IngestPayload; good: IngestPayload } {
    const extra = [main.click(999, 999, "/pricing"), main.click(998, 998, "/pricing")];
    const bad = new SdkSession("conf-x", T0 + 40 * 3600_000);
    const badEvents = [bad.pageview("/explode"), bad.click(1, 1, "/explode")];
    return { failing: main.payload([...extra, ...badEvents], { id: "user-1" }), good: main.payload(extra, { id: "user-1" }) };
  }

  return { batches, orderingBatch, concurrentBatches, retryBatch, failingBatch };
}

const p = encodeURIComponent;
const api = `/api/projects/${PROJECT.id}`;
const hour = 3600_000;

/** API reads compared across stores, by name. */
export const READS: Record<string, string> = {
  "heatmap click": `${api}/heatmap`,
  "heatmap move": `${api}/heatmap?type=move`,
  "heatmap scroll": `${api}/heatmap?type=scroll`,
  "heatmap all": `${api}/heatmap?type=all`,
  "heatmap page": `${api}/heatmap?path=${p("/pricing?x=1")}`,
  "heatmap page case": `${api}/heatmap?path=/Pricing`,
  "heatmap unicode page": `${api}/heatmap?type=all&path=${p(UNICODE_PATH)}`,
  "heatmap long page": `${api}/heatmap?type=all&path=${p(LONG_PAGE)}`,
  "heatmap bucket": `${api}/heatmap?viewportBucket=400x800&resolution=32`,
  "heatmap partial hours": `${api}/heatmap?type=all&from=${T0 + hour / 2}&to=${T0 + 27 * hour + 17 * 60_000}`,
  "heatmap beyond 2^32": `${api}/heatmap?type=all&from=${BEYOND_2_32}`,
  "heatmap far future": `${api}/heatmap?from=${FAR_FUTURE - hour}&to=8640000000000000`,
  "heatmap rageclick": `${api}/heatmap?type=rageclick`,
  "heatmap rageclick relative": `${api}/heatmap?type=rageclick&coordinates=relative&resolution=16`,
  "heatmap unique sessions": `${api}/heatmap?aggregation=unique_sessions&resolution=54`,
  "heatmap unique sessions relative, partial hours": `${api}/heatmap?aggregation=unique_sessions&coordinates=relative&from=${T0 + hour / 2}&to=${T0 + 27 * hour + 17 * 60_000}`,
  "heatmap unique rage sessions": `${api}/heatmap?type=rageclick&aggregation=unique_sessions`,
  "timeseries events by hour": `${api}/timeseries?interval=hour&from=${T0}&to=${T0 + 31 * hour}`,
  "timeseries sessions by day": `${api}/timeseries?metric=sessions&from=${T0 - 24 * hour}&to=${T0 + 48 * hour}`,
  "timeseries clicks pattern": `${api}/timeseries?metric=clicks&interval=hour&pathPattern=${p("/blog/**")}`,
  "timeseries clicks partial hours": `${api}/timeseries?metric=clicks&interval=hour&from=${T0 + hour / 2}&to=${T0 + 9 * hour + 60_000}`,
  "timeseries rageclicks": `${api}/timeseries?metric=rageclicks&interval=hour&from=${T0}&to=${T0 + 31 * hour}`,
  "timeseries width band": `${api}/timeseries?metric=events&viewportWidthMin=768&viewportWidthMax=1279&from=${T0}&to=${T0 + 2 * 24 * hour}`,
  "timeseries far future": `${api}/timeseries?interval=hour&from=${BEYOND_2_32}&to=${BEYOND_2_32 + 5 * hour}`,
  "scrollmap pricing": `${api}/scrollmap?path=/pricing`,
  "scrollmap pattern step": `${api}/scrollmap?pathPattern=${p("/**")}&step=10`,
  "scrollmap width and range": `${api}/scrollmap?path=/pricing&viewportWidthMin=768&from=${T0}&to=${T0 + 10 * hour}&step=25`,
  "elements": `${api}/elements`,
  "elements pricing": `${api}/elements?path=/pricing&limit=2`,
  "elements pattern and width": `${api}/elements?pathPattern=${p("/**")}&viewportWidthMin=768`,
  "elements range": `${api}/elements?from=${T0}&to=${T0 + 26 * hour}`,
  "heatmap width max": `${api}/heatmap?viewportWidthMax=767`,
  "heatmap width range": `${api}/heatmap?type=all&viewportWidthMin=768&viewportWidthMax=1399`,
  "heatmap width range move": `${api}/heatmap?type=move&viewportWidthMin=1000`,
  "heatmap width range and bucket": `${api}/heatmap?viewportBucket=400x800&viewportWidthMin=768`,
  "heatmap relative": `${api}/heatmap?coordinates=relative&resolution=32`,
  "heatmap relative band": `${api}/heatmap?type=all&coordinates=relative&viewportWidthMin=768&path=/pricing`,
  "heatmap relative partial hours": `${api}/heatmap?coordinates=relative&from=${T0 + hour / 2}&to=${T0 + 9 * hour + 45 * 60_000}`,
  "events all": `${api}/events?type=all&limit=1000`,
  "events click page": `${api}/events?type=click&path=/pricing`,
  "events unicode page": `${api}/events?path=${p(UNICODE_PATH)}`,
  "events long page": `${api}/events?path=${p(LONG_PAGE)}`,
  "events paged": `${api}/events?limit=3&offset=2`,
  "events session": `${api}/events?sessionId=conf-c-session&limit=1000`,
  "events user": `${api}/events?userId=user-2`,
  "events range": `${api}/events?from=${T0 + 1000}&to=${T0 + 6 * hour}`,
  "events ordering": `${api}/events?path=/order`,
  "events far future": `${api}/events?from=${BEYOND_2_32}`,
  "sessions all": `${api}/sessions`,
  "sessions paged": `${api}/sessions?limit=2&offset=1`,
  "sessions user": `${api}/sessions?userId=user-1`,
  "sessions page": `${api}/sessions?path=${p(UNICODE_PATH)}`,
  "sessions range": `${api}/sessions?from=${T0}&to=${T0 + 3 * hour}`,
  "heatmap pattern": `${api}/heatmap?type=all&pathPattern=${p("/blog/*")}`,
  "heatmap pattern globstar": `${api}/heatmap?type=all&pathPattern=${p("/blog/**")}`,
  "heatmap pattern segment": `${api}/heatmap?type=click&pathPattern=${p("/p/*/edit")}`,
  "heatmap pattern and path": `${api}/heatmap?type=all&path=/pricing&pathPattern=${p("/pr*")}`,
  "heatmap pattern unicode": `${api}/heatmap?type=all&pathPattern=${p("/café/**")}`,
  "events pattern": `${api}/events?pathPattern=${p("/p/*/edit")}`,
  "events pattern none": `${api}/events?pathPattern=${p("/nowhere/*")}`,
  "events pattern every page": `${api}/events?type=all&limit=1000&pathPattern=**`,
  "sessions pattern": `${api}/sessions?pathPattern=${p("/blog/**")}`,
  "session detail": `/api/sessions/conf-a-session?projectId=${PROJECT.id}`,
  "session detail unscoped": `/api/sessions/conf-c-session`,
  "session detail paged": `/api/sessions/conf-c-session?limit=5&offset=7&type=click`,
};
