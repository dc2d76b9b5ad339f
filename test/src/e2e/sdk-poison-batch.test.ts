import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { PATH_MAX_LENGTH } from "@m-software-engineering/heat-collector";
import { requireService } from "../helpers/services";
import { tempDir } from "../helpers/collector";
import { launchChromium, type Browser } from "./support/browser";
import { startLiveCollector, type LiveCollector } from "./support/live-collector";
import { startTestSite, TARGETS, type TestSite } from "./support/test-site";
import { watchIngest, type IngestTraffic } from "./support/network";
import { QueryApi, eventually } from "./support/api";
import "./support/page-tracker";

const PROJECT = { id: "shop", key: "hk_e2e_poison_key_0123456789abcdef", readTokens: ["hr_e2e_poison_read_0123456789abcdef"] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/**
 * heat-sdk 0.2.6 puts a batch answered with any non-2xx back at the head of its queue and re-sends
 * it forever: one event the collector refuses must cost only that event, and the batch must never
 * come back.
 */
describe("e2e: one bad event never costs the real SDK its session (Chromium)", function () {
  this.timeout(90_000);
  let browser: Browser;
  let site: TestSite;
  let live: LiveCollector;
  let api: QueryApi;
  const tmp = tempDir("heat-e2e-poison-");

  before(async function () {
    await requireService(this, "chromium", async () => {
      browser = await launchChromium();
    });
    site = await startTestSite();
    live = await startLiveCollector({ file: join(tmp.dir, "poison.db"), projects: [{ ...PROJECT, allowedOrigins: [site.origin] }] });
    api = new QueryApi(live.origin, PROJECT.id, PROJECT.readTokens[0]!);
    site.configure({ endpoint: `${live.origin}/ingest`, projectKey: PROJECT.key, flushIntervalMs: 500 });
  });
  after(async () => {
    await browser?.close();
    await live?.stop();
    await site?.close();
    tmp.cleanup();
  });

  /** Opens `path` on the test site with its own traffic watch. */
  async function open(path: string): Promise<{ page: Page; traffic: IngestTraffic }> {
    const page = await browser.context.newPage();
    const traffic = watchIngest(page, `${live.origin}/ingest`);
    await page.goto(`${site.origin}${path}`);
    await page.waitForFunction(() => window.heatReady === true);
    return { page, traffic };
  }

  /** Flushes, waits for every sent event to be answered, then past the SDK's first retry (1 s + jitter). */
  async function settle(page: Page, traffic: IngestTraffic): Promise<void> {
    await page.evaluate(() => window.heat.flush());
    await eventually(async () => traffic.replies.length === traffic.bodies.length && traffic.bodies.length > 0, 10_000);
    await sleep(1_600);
  }

  it("a visit that lands on a URL over 2,048 characters: all four clicks stored, the long path cut, nothing re-sent", async () => {
    const landing = `/shop?utm_campaign=${"spring-sale-".repeat(180)}&q=shoes#reviews`;
    expect(landing.length).to.be.greaterThan(PATH_MAX_LENGTH);
    const { page, traffic } = await open(landing);
    try {
      await page.mouse.click(TARGETS.buy.x, TARGETS.buy.y);
      await page.evaluate(() => history.pushState({}, "", "/shop/cart"));
      for (let i = 0; i < 3; i++) await page.mouse.click(TARGETS.help.x, TARGETS.help.y);
      await settle(page, traffic);

      expect(traffic.failures, traffic.failures.join("\n")).to.deep.equal([]);
      expect(traffic.statuses.every((s) => s === 200), `statuses: ${traffic.statuses}`).to.equal(true);
      const sessionId = traffic.bodies[0]!.session.id;
      const clicks = (await api.events("click")).filter((e) => e.sessionId === sessionId);
      expect(clicks).to.have.length(4);
      const long = clicks.filter((e) => e.path !== "/shop/cart");
      expect(long).to.have.length(1);
      expect(long[0]!.path).to.have.length(PATH_MAX_LENGTH);
      expect(long[0]!.path.startsWith("/shop?utm_campaign=spring-sale-")).to.equal(true);
      expect(long[0]!.path.endsWith("\u2026")).to.equal(true);
      expect(long[0]!.meta).to.deep.include({ normalized: { "/path": { cutFrom: landing.length } } });
      expect((await api.heatmap("click", { path: "/shop" })).meta.total).to.equal(1);
      expect((await api.heatmap("click", { path: "/shop/cart" })).meta.total).to.equal(3);
      for (const id of traffic.eventIds()) expect(traffic.sends(id), `event ${id} posted once`).to.equal(1);
      const stored = new Set((await api.events()).filter((e) => e.sessionId === sessionId).map((e) => e.eventId));
      expect([...traffic.eventIds()].every((id) => stored.has(id)), "every event the SDK sent is stored").to.equal(true);
    } finally {
      await page.close();
    }
  });

  it("a custom event whose props nest too deep, among good events: refused alone and named in the reply, nothing re-sent", async () => {
    const { page, traffic } = await open("/shop");
    try {
      await page.evaluate(() => {
        let deep: Record<string, unknown> = { leaf: 1 };
        for (let i = 0; i < 12; i++) deep = { nest: deep };
        window.heat.track("before", { step: 1 });
        window.heat.track("too-deep", deep);
        window.heat.track("after", { step: 2 });
      });
      await page.mouse.click(TARGETS.buy.x, TARGETS.buy.y);
      await settle(page, traffic);

      expect(traffic.statuses.every((s) => s === 200), `statuses: ${traffic.statuses}`).to.equal(true);
      const sent = traffic.bodies.flatMap((b) => b.events);
      const deepEvent = sent.find((e) => e.name === "too-deep")!;
      const rejections = traffic.replies.flatMap((r) => (r.rejections as Array<Record<string, unknown>> | undefined) ?? []);
      expect(rejections).to.have.length(1);
      expect(rejections[0]).to.include({ eventId: deepEvent.eventId, code: "invalid_event" });
      const sessionId = traffic.bodies[0]!.session.id;
      const stored = (await api.events()).filter((e) => e.sessionId === sessionId);
      expect(stored.filter((e) => e.type === "custom").map((e) => e.name).sort()).to.deep.equal(["after", "before"]);
      expect(stored.filter((e) => e.type === "click")).to.have.length(1);
      expect(stored.map((e) => e.eventId).sort()).to.deep.equal(sent.filter((e) => e !== deepEvent).map((e) => e.eventId).sort());
      for (const id of traffic.eventIds()) expect(traffic.sends(id), `event ${id} posted once`).to.equal(1);
    } finally {
      await page.close();
    }
  });
});
