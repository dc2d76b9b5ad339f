import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { viewer } from "@m-software-engineering/heat-collector-viewer";
import { requireService } from "../helpers/services";
import { tempDir } from "../helpers/collector";
import { SdkSession } from "../helpers/sdk";
import { launchChromium, type Browser } from "./support/browser";
import { startLiveCollector, type LiveCollector } from "./support/live-collector";
import { startTestSite, TARGETS, type TestSite } from "./support/test-site";

const PROJECT = { id: "shop", key: "hk_viewer_shop_key_0123456789abcd", readTokens: ["hr_viewer_shop_read_0123456789abc"] };
const SCREENSHOT = join(__dirname, "..", "..", "..", "docs", "viewer.png");
const RAGE_SCREENSHOT = join(__dirname, "..", "..", "..", "docs", "viewer-rageclick.png");
const SESSIONS = 6;

/** Seeded traffic on /shop: most clicks on Buy, fewer on Help, trails, and deeper scrolls per session. */
function seed(): object[] {
  return Array.from({ length: SESSIONS }, (_, i) => {
    const s = new SdkSession(`viewer-${i}`, Date.UTC(2026, 10, 2, 10 + i, 0, 0));
    const jitter = (k: number) => ((k * 7 + i * 3) % 9) - 4;
    const events = [
      s.pageview("/shop"),
      s.move([[100, 100], [150, 180], [TARGETS.buy.x, TARGETS.buy.y], [500, 420], [TARGETS.help.x, TARGETS.help.y]], "/shop"),
      ...Array.from({ length: 5 }, (_, k) => s.click(TARGETS.buy.x + jitter(k), TARGETS.buy.y + jitter(k + 1), "/shop", "button#buy")),
      ...Array.from({ length: 2 }, (_, k) => s.click(TARGETS.help.x + jitter(k), TARGETS.help.y + jitter(k + 2), "/shop", "button#help")),
      s.click(640, 120 + i * 20, "/shop", "main"),
      // As the SDK computes it on a 4000 px page in a 720 px viewport: depth = scrollY / (4000 - 720).
      s.scroll(Math.round(((i + 1) / SESSIONS) * 3280), (Math.round(((i + 1) / SESSIONS) * 3280) / 3280) * 100, "/shop"),
      s.custom("checkout", { step: i }, "/shop"),
    ];
    return s.payload(events, i % 2 === 0 ? { id: `user-${i}` } : undefined);
  });
}

/** Reads the overlay back: how many pixels are drawn, and where the reddest (hottest) pixels are. */
function readOverlay(page: Page) {
  return page.evaluate(() => {
    const c = document.getElementById("overlay") as HTMLCanvasElement;
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    let best = -Infinity;
    let sx = 0;
    let sy = 0;
    let n = 0;
    const at = (x: number, y: number) => Array.from(data.slice((y * c.width + x) * 4, (y * c.width + x) * 4 + 4));
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! === 0) continue;
      drawn++;
      const score = data[i]! - data[i + 1]! - data[i + 2]!; // red scores 255, yellow 0, green and blue below
      const x = (i / 4) % c.width;
      const y = Math.floor(i / 4 / c.width);
      if (score > best) {
        best = score;
        sx = x;
        sy = y;
        n = 1;
      } else if (score === best) {
        sx += x;
        sy += y;
        n++;
      }
    }
    return { width: c.width, height: c.height, drawn, best, hottest: { x: sx / n, y: sy / n }, at };
  });
}

describe("e2e: viewer plugin in Chromium over seeded data", function () {
  this.timeout(60_000);
  let browser: Browser;
  let site: TestSite;
  let live: LiveCollector;
  const tmp = tempDir("heat-viewer-");

  before(async function () {
    await requireService(this, "chromium", async () => {
      browser = await launchChromium({ width: 1560, height: 980 });
    });
    site = await startTestSite();
    live = await startLiveCollector({ file: join(tmp.dir, "viewer.db"), projects: [PROJECT], plugins: [viewer()] });
    for (const body of seed()) {
      const res = await fetch(`${live.origin}/ingest`, { method: "POST", headers: { "content-type": "application/json", "x-project-key": PROJECT.key }, body: JSON.stringify(body) });
      expect(res.status).to.equal(200);
    }
  });
  after(async () => {
    await browser?.close();
    await live?.stop();
    await site?.close();
    tmp.cleanup();
  });

  const open = async (hash: Record<string, string>): Promise<Page> => {
    const page = await browser.context.newPage();
    await page.goto(`${live.origin}/viewer#${new URLSearchParams(hash)}`);
    await page.waitForFunction(() => document.body.dataset.state === "ready" || document.body.dataset.state === "error");
    return page;
  };

  it("draws the click heatmap over the page; the hottest colour sits on the most clicked button", async () => {
    const page = await open({ project: PROJECT.id, token: PROJECT.readTokens[0]!, pageUrl: `${site.origin}/shop`, type: "click" });
    try {
      expect(await page.evaluate(() => document.body.dataset.state), await page.textContent("#status") ?? "").to.equal("ready");
      expect(page.url(), "the token is taken out of the address bar").to.not.contain("token=");
      await page.frameLocator("#page").locator("#buy").waitFor();
      const overlay = await readOverlay(page);
      expect(overlay.width).to.equal(1300);
      expect(overlay.drawn, "overlay is not blank").to.be.greaterThan(2000);
      expect(overlay.best, "the hottest colour is red").to.be.greaterThan(200);
      expect(Math.abs(overlay.hottest.x - TARGETS.buy.x)).to.be.lessThan(10);
      expect(Math.abs(overlay.hottest.y - TARGETS.buy.y)).to.be.lessThan(10);
      expect(await page.textContent("#status")).to.contain(`${SESSIONS * 8} samples`);
      expect(await page.locator("#sessions li").count()).to.equal(SESSIONS);
      expect(await page.textContent("#pages")).to.contain("/shop");
      // The element ranking and the trend line beside the overlay.
      const first = page.locator("#elements li").first();
      expect(await first.locator("code").textContent()).to.equal("button#buy");
      expect(await first.locator("small").textContent()).to.contain(`${SESSIONS * 5} clicks · 63 % · ${SESSIONS} sessions · ${SESSIONS} rage`);
      expect(await page.locator("#trend polyline").count()).to.equal(1);
      expect(await page.textContent("#trend-label")).to.contain(`events per hour · ${SESSIONS * 12}`);
      // docs/viewer.png is committed: rewritten only on request (UPDATE_SCREENSHOTS=1) or when missing.
      const shot = process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(SCREENSHOT) ? SCREENSHOT : join(tmp.dir, "viewer.png");
      mkdirSync(join(shot, ".."), { recursive: true });
      await page.screenshot({ path: shot });
      expect(statSync(shot).size).to.be.greaterThan(10_000);
      // The visitors switch: each session once per cell, so Buy's hottest cell holds at most every session.
      await page.selectOption("select[name=aggregation]", "unique_sessions");
      await page.waitForFunction(() => document.body.dataset.state === "ready" && location.hash.includes("aggregation=unique_sessions"));
      expect(await page.textContent("#status")).to.match(new RegExp(`click heatmap · ${SESSIONS} sessions · viewport 1300x700 · hottest cell [1-${SESSIONS}]$`));
      expect((await readOverlay(page)).drawn, "overlay is not blank").to.be.greaterThan(2000);
      // What it drew: every session clicked Buy, so the cells around it hold the most sessions.
      const res = await fetch(`${live.origin}/api/projects/${PROJECT.id}/heatmap?path=/shop&aggregation=unique_sessions&resolution=32`, {
        headers: { authorization: `Bearer ${PROJECT.readTokens[0]}` },
      });
      const { points } = (await res.json()) as { points: Array<{ x: number; y: number; value: number }> };
      const top = points.reduce((a, p) => (p.value > a.value ? p : a));
      expect(top.value).to.equal(SESSIONS);
      expect(Math.abs(top.x - TARGETS.buy.x)).to.be.lessThan(40);
      expect(Math.abs(top.y - TARGETS.buy.y)).to.be.lessThan(40);
    } finally {
      await page.close();
    }
  });

  it("rage clicks: one run per session on Buy (5 clicks 250 ms apart), drawn there; relative x lines up", async () => {
    const page = await open({ project: PROJECT.id, token: PROJECT.readTokens[0]!, type: "rageclick", path: "/shop" });
    try {
      expect(await page.textContent("#status")).to.contain(`rageclick heatmap · ${SESSIONS} samples`);
      const overlay = await readOverlay(page);
      expect(Math.abs(overlay.hottest.x - TARGETS.buy.x)).to.be.lessThan(12);
      expect(await page.textContent("#trend-label")).to.contain(`rageclicks per hour · ${SESSIONS}`);
      await page.selectOption("select[name=coordinates]", "relative");
      await page.waitForFunction(() => document.body.dataset.state === "ready" && location.hash.includes("coordinates=relative"));
      const relative = await readOverlay(page);
      // One bucket (1300 px): the share of its width, drawn across the 1300 px stage, lands on Buy again (64 columns).
      expect(Math.abs(relative.hottest.x - TARGETS.buy.x)).to.be.lessThan(24);
      const shot = process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(RAGE_SCREENSHOT) ? RAGE_SCREENSHOT : join(tmp.dir, "viewer-rageclick.png");
      await page.screenshot({ path: shot });
      expect(statSync(shot).size).to.be.greaterThan(10_000);
    } finally {
      await page.close();
    }
  });

  it("says why when a protected read has no token", async () => {
    const page = await open({ project: PROJECT.id, type: "click" });
    try {
      expect(await page.evaluate(() => document.body.dataset.state)).to.equal("error");
      expect(await page.textContent("#status")).to.contain("missing_read_token");
    } finally {
      await page.close();
    }
  });

  it("scroll map: every session saw the top, fewer saw each deeper band", async () => {
    const page = await open({ project: PROJECT.id, token: PROJECT.readTokens[0]!, type: "scroll", path: "/shop" });
    try {
      expect(await page.textContent("#status")).to.contain(`${SESSIONS} sessions`);
      const shares = await page.evaluate(() => {
        const c = document.getElementById("overlay") as HTMLCanvasElement;
        const ctx = c.getContext("2d")!;
        // Sample the right edge (clear of labels) at the top and near the bottom.
        const px = (y: number) => Array.from(ctx.getImageData(c.width - 5, y, 1, 1).data);
        return { height: c.height, top: px(2), bottom: px(c.height - 3) };
      });
      expect(shares.height).to.equal(4000);
      expect(shares.top[0], "top band is red (100 %)").to.be.greaterThan(200);
      expect(shares.top[2]).to.be.lessThan(40);
      expect(shares.bottom[2], "bottom band is blue (1 of 6 sessions)").to.be.greaterThan(shares.bottom[0]!);
      // The fold line (scroll map API): at the median viewport height, 720 px; everyone scrolled below it.
      const fold = await page.evaluate(() => Array.from((document.getElementById("overlay") as HTMLCanvasElement).getContext("2d")!.getImageData(3, 720, 1, 1).data));
      expect(fold[0], "dark dashed line").to.be.lessThan(80);
      expect(fold[3]).to.equal(255);
    } finally {
      await page.close();
    }
  });

  it("plays a session back on a timeline", async () => {
    const page = await open({ project: PROJECT.id, token: PROJECT.readTokens[0]!, type: "click" });
    try {
      await page.locator("#sessions li").first().click();
      await page.waitForSelector("#playback:not([hidden])");
      expect(await page.locator("#event-log li").count()).to.equal(12);
      await page.fill("#timeline", "1000");
      await page.dispatchEvent("#timeline", "input");
      expect(await page.locator("#event-log li.current").textContent()).to.contain("track checkout");
      const clicked = await page.evaluate(([x, y]) => {
        const c = document.getElementById("overlay") as HTMLCanvasElement;
        return Array.from(c.getContext("2d")!.getImageData(x!, y!, 1, 1).data);
      }, [TARGETS.buy.x, TARGETS.buy.y]);
      expect(clicked[3], "a click is drawn on Buy at the end of the timeline").to.be.greaterThan(0);
    } finally {
      await page.close();
    }
  });
});

describe("e2e: viewer with open reads", function () {
  this.timeout(60_000);
  let browser: Browser;
  let live: LiveCollector;
  const tmp = tempDir("heat-viewer-open-");

  before(async function () {
    await requireService(this, "chromium", async () => {
      browser = await launchChromium();
    });
    live = await startLiveCollector({ file: join(tmp.dir, "open.db"), projects: [PROJECT], plugins: [viewer()], queryAuth: false });
    const res = await fetch(`${live.origin}/ingest`, { method: "POST", headers: { "content-type": "application/json", "x-project-key": PROJECT.key }, body: JSON.stringify(seed()[0]) });
    expect(res.status).to.equal(200);
  });
  after(async () => {
    await browser?.close();
    await live?.stop();
    tmp.cleanup();
  });

  it("draws without a token, on a blank tall canvas when no page URL is given", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${live.origin}/viewer#project=${PROJECT.id}&type=move`);
      await page.waitForFunction(() => document.body.dataset.state === "ready");
      expect(await page.locator("#page").isHidden()).to.equal(true);
      const drawn = await page.evaluate(() => {
        const c = document.getElementById("overlay") as HTMLCanvasElement;
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
        return n;
      });
      expect(drawn).to.be.greaterThan(500);
      expect(await page.textContent("#status")).to.contain("move heatmap · 5 samples");
    } finally {
      await page.close();
    }
  });
});
