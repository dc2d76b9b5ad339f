import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import express from "express";
import type { Page } from "playwright-core";
import { tempDir } from "../helpers/collector";
import { requireService } from "../helpers/services";
import { ingestClicks, preflight } from "../platform/support/hits";
import { launchChromium, type Browser } from "./support/browser";
import { startLiveCollector, type LiveCollector } from "./support/live-collector";

const KEY = "hk_dash_shop_key_0123456789abcdef";
const TOKEN = "hr_dash_shop_read_0123456789abcdef";

/** An empty page on its own port: a dashboard's origin, different from the collector's. */
async function startPageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const app = express();
  app.get("/", (_req, res) => res.type("html").send("<!doctype html><title>dashboard</title><h1>dashboard</h1>"));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Outcome = { ok: true; status: number; total: number } | { ok: false; error: string };

/** Runs `fetch(url, init)` inside a page of `origin`, as a dashboard's own script would. */
async function fetchFromPage(page: Page, origin: string, url: string, headers: Record<string, string>): Promise<Outcome> {
  await page.goto(`${origin}/`);
  return page.evaluate(
    async ({ url, headers }) => {
      try {
        const res = await fetch(url, { headers });
        const body = (await res.json()) as { meta?: { total: number } };
        return { ok: true as const, status: res.status, total: body.meta?.total ?? -1 };
      } catch (err) {
        return { ok: false as const, error: String(err) };
      }
    },
    { url, headers },
  );
}

describe("dashboards in the browser read the query APIs cross-origin (Chromium)", function () {
  const tmp = tempDir();
  let browser: Browser;
  let dashboard: Awaited<ReturnType<typeof startPageServer>>;
  let stranger: Awaited<ReturnType<typeof startPageServer>>;
  let page: Page;

  before(async function () {
    await requireService(this, "chromium", async () => {
      browser = await launchChromium();
    });
    dashboard = await startPageServer();
    stranger = await startPageServer();
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await stranger?.close();
    tmp.cleanup();
  });

  describe("with a read token (Authorization: a preflighted request)", () => {
    let live: LiveCollector;
    before(async () => {
      live = await startLiveCollector({
        file: join(tmp.dir, "tokens.db"),
        projects: [{ id: "shop", key: KEY, readTokens: [TOKEN], allowedOrigins: [dashboard.origin] }],
      });
      expect((await ingestClicks(live.origin, KEY, [[10, 10], [20, 20], [30, 30]])).status).to.equal(200);
    });
    after(() => live.stop());

    it("a page on a listed origin reads the heatmap", async () => {
      const got = await fetchFromPage(page, dashboard.origin, `${live.origin}/api/projects/shop/heatmap?type=click`, { authorization: `Bearer ${TOKEN}` });
      expect(got).to.deep.equal({ ok: true, status: 200, total: 3 });
    });

    it("a page on an origin not listed is refused: its preflight gets 403 and no CORS headers", async () => {
      const got = await fetchFromPage(page, stranger.origin, `${live.origin}/api/projects/shop/heatmap?type=click`, { authorization: `Bearer ${TOKEN}` });
      expect(got.ok).to.equal(false);
      const pre = await preflight(`${live.origin}/api/projects/shop/heatmap`, stranger.origin, "GET", "authorization");
      expect(pre.status).to.equal(403);
      expect(pre.headers.get("access-control-allow-origin")).to.equal(null);
    });

    it("the listed origin is echoed, never *, and credentials are never allowed", async () => {
      const pre = await preflight(`${live.origin}/api/projects/shop/heatmap`, dashboard.origin, "GET", "authorization");
      expect(pre.status).to.equal(204);
      expect(pre.headers.get("access-control-allow-origin")).to.equal(dashboard.origin);
      expect(pre.headers.get("access-control-allow-headers")).to.match(/authorization/i);
      expect(pre.headers.get("access-control-allow-credentials")).to.equal(null);
      const res = await fetch(`${live.origin}/api/projects/shop/heatmap?type=click`, { headers: { origin: dashboard.origin, authorization: `Bearer ${TOKEN}` } });
      expect(res.headers.get("access-control-allow-origin")).to.equal(dashboard.origin);
      expect(res.headers.get("access-control-allow-credentials")).to.equal(null);
    });
  });

  describe("the 0.3.7 example dashboard's request (a plain GET, no credentials) with queryAuth: false", () => {
    let live: LiveCollector;
    before(async () => {
      live = await startLiveCollector({
        file: join(tmp.dir, "open.db"),
        projects: [{ id: "shop", key: KEY, allowedOrigins: [dashboard.origin] }],
        queryAuth: false,
      });
      expect((await ingestClicks(live.origin, KEY, [[10, 10], [20, 20]])).status).to.equal(200);
    });
    after(() => live.stop());

    it("is read from the listed origin and blocked from any other", async () => {
      const url = `${live.origin}/api/projects/shop/heatmap?type=click&resolution=128`;
      expect(await fetchFromPage(page, dashboard.origin, url, {})).to.deep.equal({ ok: true, status: 200, total: 2 });
      expect((await fetchFromPage(page, stranger.origin, url, {})).ok).to.equal(false);
    });
  });
});
