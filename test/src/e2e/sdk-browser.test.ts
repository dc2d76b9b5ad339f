import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { requireService } from "../helpers/services";
import { tempDir } from "../helpers/collector";
import { launchChromium, type Browser } from "./support/browser";
import { startLiveCollector, type LiveCollector } from "./support/live-collector";
import { startTestSite, TARGETS, PAGE_HEIGHT, type TestSite } from "./support/test-site";
import { watchIngest, type SentBatch } from "./support/network";
import { QueryApi, eventually } from "./support/api";
import "./support/page-tracker";

const PROJECT = { id: "shop", key: "hk_e2e_shop_key_0123456789abcdef", readTokens: ["hr_e2e_shop_read_0123456789abcdef"] };
const FIXTURE = join(__dirname, "..", "..", "fixtures", "sdk-0.2.6-batch.json");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


async function openShop(page: Page, site: TestSite): Promise<void> {
  await page.goto(`${site.origin}/shop`);
  await page.waitForFunction(() => window.heatReady === true);
}

/** A mouse trail: real mousemove events spaced beyond the SDK's 80 ms throttle. */
async function trail(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, steps: number): Promise<void> {
  for (let i = 0; i <= steps; i++) {
    await page.mouse.move(from.x + ((to.x - from.x) * i) / steps, from.y + ((to.y - from.y) * i) / steps);
    await sleep(95);
  }
}

describe("e2e: the real heat-sdk 0.2.6 in Chromium → collector (another origin)", function () {
  this.timeout(90_000);
  let browser: Browser;
  let site: TestSite;
  const tmp = tempDir("heat-e2e-");

  before(async function () {
    await requireService(this, "chromium", async () => {
      browser = await launchChromium();
    });
    site = await startTestSite();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    tmp.cleanup();
  });

  describe("clicks, trails, scrolls, identify and track", () => {
    let live: LiveCollector;
    let api: QueryApi;
    let page: Page;
    const clicks = { buy: 5, help: 2 };
    let traffic: ReturnType<typeof watchIngest>;

    before(async () => {
      live = await startLiveCollector({ file: join(tmp.dir, "flow.db"), projects: [{ ...PROJECT, allowedOrigins: [site.origin] }] });
      api = new QueryApi(live.origin, PROJECT.id, PROJECT.readTokens[0]!);
      site.configure({ endpoint: `${live.origin}/ingest`, projectKey: PROJECT.key });
      page = await browser.context.newPage();
      traffic = watchIngest(page, `${live.origin}/ingest`);
      await openShop(page, site);
      await page.evaluate(() => {
        window.heat.identify("user-42", { plan: "pro" });
        window.heat.track("checkout", { step: 2, coupon: true, currency: "EUR" });
      });
      await trail(page, { x: 10, y: 10 }, TARGETS.buy, 12);
      for (let i = 0; i < clicks.buy; i++) await page.mouse.click(TARGETS.buy.x, TARGETS.buy.y);
      await trail(page, TARGETS.buy, TARGETS.help, 12);
      for (let i = 0; i < clicks.help; i++) await page.mouse.click(TARGETS.help.x, TARGETS.help.y);
      for (const y of [600, 1500, 2600, PAGE_HEIGHT]) {
        await page.evaluate((top) => window.scrollTo(0, top), y);
        await sleep(260); // beyond the SDK's 200 ms scroll throttle
      }
      await page.evaluate(() => window.heat.flush());
      await eventually(async () => (await api.events()).length >= traffic.eventIds().size, 10_000);
    });
    after(async () => {
      await page?.close();
      await live?.stop();
    });

    it("the browser saw no failed request and every ingest reply was 200 (CORS preflight included)", () => {
      expect(traffic.failures, traffic.failures.join("\n")).to.deep.equal([]);
      expect(traffic.statuses.length).to.be.greaterThan(0);
      expect(traffic.statuses.every((s) => s === 200), `statuses: ${traffic.statuses}`).to.equal(true);
    });

    it("every event the SDK sent is stored once", async () => {
      const stored = await api.events();
      expect(stored.map((e) => e.eventId).sort()).to.deep.equal([...traffic.eventIds()].sort());
    });

    it("the click heatmap counts the clicks made, and its hottest cell is where the most clicks were", async () => {
      const heat = await api.heatmap("click", { path: "/shop" });
      expect(heat.meta.total).to.equal(clicks.buy + clicks.help);
      expect(heat.meta.bucket).to.equal("1300x700");
      const hottest = heat.points.reduce((a, b) => (b.value > a.value ? b : a));
      expect(hottest.value).to.equal(clicks.buy);
      const cell = heat.meta.cellSize;
      expect(hottest.x).to.equal(Math.floor(TARGETS.buy.x / cell) * cell + cell / 2);
      expect(hottest.y).to.equal(Math.floor(TARGETS.buy.y / cell) * cell + cell / 2);
      const help = heat.points.find((p) => p.x === Math.floor(TARGETS.help.x / cell) * cell + cell / 2 && p.y === Math.floor(TARGETS.help.y / cell) * cell + cell / 2);
      expect(help?.value).to.equal(clicks.help);
    });

    it("mouse trails arrive as move events whose points follow the pointer", async () => {
      const moves = await api.events("move");
      expect(moves.length).to.be.greaterThan(0);
      const points = moves.flatMap((m) => m.points as Array<{ x: number; y: number }>);
      expect(points.length).to.be.greaterThan(8);
      expect(points.some((p) => Math.abs(p.x - TARGETS.buy.x) <= 2 && Math.abs(p.y - TARGETS.buy.y) <= 2)).to.equal(true);
      // The move heatmap counts samples: one per trail point.
      expect((await api.heatmap("move")).meta.total).to.equal(points.length);
    });

    it("scrolls arrive, down to the bottom of the tall page", async () => {
      const scrolls = await api.events("scroll");
      expect(scrolls.length).to.be.greaterThanOrEqual(3);
      expect(Math.max(...scrolls.map((s) => s.scrollDepthPct as number))).to.equal(100);
      expect(Math.max(...scrolls.map((s) => s.scrollY as number))).to.equal(PAGE_HEIGHT - 720);
    });

    it("identify: the session carries the user id and traits", async () => {
      const sessionId = traffic.bodies[0]!.session.id;
      const session = (await api.sessions()).find((s) => s.sessionId === sessionId);
      expect(session?.userId).to.equal("user-42");
      expect(session?.userTraits).to.deep.equal({ plan: "pro" });
    });

    it("track: the custom event keeps its name and props", async () => {
      const custom = await api.events("custom");
      expect(custom).to.have.length(1);
      expect(custom[0]).to.include({ name: "checkout", userId: "user-42", path: "/shop" });
      expect(custom[0]!.props).to.deep.equal({ step: 2, coupon: true, currency: "EUR" });
      expect((await api.events("pageview")).map((e) => e.to)).to.deep.equal(["/shop"]);
    });
  });

  describe("the collector restarts while the page is sending", () => {
    it("the SDK's retries deliver every event exactly once", async () => {
      const file = join(tmp.dir, "restart.db");
      const projects = [{ ...PROJECT, allowedOrigins: [site.origin] }];
      let live = await startLiveCollector({ file, projects });
      const port = live.port;
      const api = new QueryApi(live.origin, PROJECT.id, PROJECT.readTokens[0]!);
      site.configure({ endpoint: `${live.origin}/ingest`, projectKey: PROJECT.key, flushIntervalMs: 300 });
      const page = await browser.context.newPage();
      const traffic = watchIngest(page, `${live.origin}/ingest`);
      try {
        await openShop(page, site);
        const ticks = 60;
        // Ticks every 40 ms for 2.4 s; the collector is down from ~0.8 s to ~2.6 s.
        const sending = page.evaluate(async (n) => {
          for (let i = 0; i < n; i++) {
            window.heat.track("tick", { i });
            await new Promise((r) => setTimeout(r, 40));
          }
        }, ticks);
        await sleep(800);
        await live.stop();
        await sleep(1800);
        live = await startLiveCollector({ file, projects, port });
        await sending;
        await page.mouse.click(TARGETS.buy.x, TARGETS.buy.y);

        const delivered = await eventually(async () => (await api.events("custom")).length >= ticks, 40_000);
        expect(delivered, "all ticks stored after the restart").to.equal(true);
        await page.evaluate(() => window.heat.flush());
        await eventually(async () => (await api.events()).length >= traffic.eventIds().size, 10_000);

        expect(traffic.failures.length, "some sends failed while the collector was down").to.be.greaterThan(0);
        const stored = await api.events();
        const ids = stored.map((e) => e.eventId);
        expect(new Set(ids).size, "no event stored twice").to.equal(ids.length);
        expect(ids.sort()).to.deep.equal([...traffic.eventIds()].sort());
        const tickValues = stored.filter((e) => e.name === "tick").map((e) => (e.props as { i: number }).i);
        expect(tickValues.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: ticks }, (_, i) => i));
        expect(stored.filter((e) => e.type === "click")).to.have.length(1);
      } finally {
        await page.close();
        await live.stop();
      }
    });
  });

  describe("a real SDK batch as a fixture", () => {
    it("one request body holds every event type, shaped like test/fixtures/sdk-0.2.6-batch.json", async () => {
      const live = await startLiveCollector({ file: join(tmp.dir, "fixture.db"), projects: [{ ...PROJECT, allowedOrigins: [site.origin] }] });
      site.configure({ endpoint: `${live.origin}/ingest`, projectKey: PROJECT.key, flushIntervalMs: 60_000, captureInputsAndKeys: true });
      const page = await browser.context.newPage();
      const traffic = watchIngest(page, `${live.origin}/ingest`);
      try {
        await openShop(page, site);
        await page.evaluate(() => {
          window.heat.identify("user-7", { plan: "team" });
          window.heat.track("signup", { plan: "team", seats: 5, annual: true });
        });
        await trail(page, { x: 300, y: 100 }, { x: 500, y: 160 }, 4);
        await page.click("#email");
        await page.keyboard.type("ada@example.org");
        await page.keyboard.press("Tab");
        await page.mouse.click(TARGETS.buy.x, TARGETS.buy.y);
        await page.evaluate(() => window.scrollTo(0, 900));
        await sleep(260);
        await page.evaluate(() => history.pushState({}, "", "/shop/thanks"));
        await page.evaluate(() => window.heat.flush());
        expect(traffic.failures).to.deep.equal([]);
        expect(traffic.statuses).to.deep.equal([200]);
        const body = traffic.bodies[0]!;
        const types = new Set(body.events.map((e) => e.type));
        expect([...types].sort()).to.deep.equal(["click", "custom", "input", "keyboard", "move", "pageview", "scroll"]);
        if (process.env.UPDATE_FIXTURES === "1" || !existsSync(FIXTURE)) writeFileSync(FIXTURE, `${JSON.stringify(body, null, 2)}\n`);
        const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as SentBatch;
        expect(Object.keys(body).sort()).to.deep.equal(Object.keys(fixture).sort());
        const shape = (b: SentBatch) => Object.fromEntries(b.events.map((e) => [e.type, Object.keys(e).sort()]));
        expect(shape(body)).to.deep.equal(shape(fixture));
      } finally {
        await page.close();
        await live.stop();
      }
    });
  });
});
