import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { startExample, type RunningExample } from "./support/example-process";
import { expectClickTotal, ingestClicks, preflight } from "./support/hits";

const exampleMain = (pkg: string) => join(dirname(require.resolve(`${pkg}/package.json`)), "dist", "server.js");
const CHROME_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/** Each example started as `npm start` would, on a fresh SQLite file, and hit over HTTP. */
describe("examples start and answer real requests", () => {
  const work = mkdtempSync(join(tmpdir(), "heat-examples-"));
  let app: RunningExample | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe("custom-plugin (bot filter on beforeAuth, release enricher on onBeforeInsert)", () => {
    const KEY = "hk_plugin_demo_key_0123456789abcdef";
    const TOKEN = "hr_plugin_demo_read_0123456789abcdef";

    it("refuses a crawler before auth, stores a browser's clicks stamped with the release", async () => {
      app = await startExample(exampleMain("heat-collector-example-custom-plugin"), { SQLITE_FILE: join(work, "plugin.db"), RELEASE: "2026.12" });
      expect(app.output()).to.include("bot-filter, release-tag");

      const bot = await ingestClicks(app.base, KEY, [[1, 1]], { "user-agent": BOT_UA });
      expect(bot.status).to.equal(403);
      expect(((await bot.json()) as { code: string }).code).to.equal("forbidden");
      // Refused before authentication: a crawler with no key gets the same answer, not 401.
      expect((await ingestClicks(app.base, "", [[1, 1]], { "user-agent": BOT_UA })).status).to.equal(403);

      const human = await ingestClicks(app.base, KEY, [[10, 10], [20, 20]], { "user-agent": CHROME_UA, "x-release": "web-42" });
      expect(human.status).to.equal(200);
      await expectClickTotal(app.base, "plugin-demo", TOKEN, 2);
      const events = await fetch(`${app.base}/api/projects/plugin-demo/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await events.json()) as { events: Array<{ meta?: { release?: string } }> };
      expect(body.events.map((e) => e.meta?.release)).to.deep.equal(["web-42", "web-42"]);

      const fallback = await ingestClicks(app.base, KEY, [[30, 30]], { "user-agent": CHROME_UA });
      expect(fallback.status).to.equal(200);
      const all = (await (await fetch(`${app.base}/api/projects/plugin-demo/events`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as typeof body;
      expect(all.events.map((e) => e.meta?.release).sort()).to.deep.equal(["2026.12", "web-42", "web-42"]);
    });
  });

  describe("multi-tenant (several projects, each with its origins and read tokens)", () => {
    const SHOP = { key: "hk_tenant_shop_key_0123456789abcdef", token: "hr_tenant_shop_read_0123456789abcdef" };
    const BLOG = { key: "hk_tenant_blog_key_0123456789abcdef", token: "hr_tenant_blog_read_0123456789abcdef" };

    it("keeps each tenant's data, origins and readers apart", async () => {
      app = await startExample(exampleMain("heat-collector-example-multi-tenant"), { SQLITE_FILE: join(work, "tenants.db") });
      expect((await ingestClicks(app.base, SHOP.key, [[1, 1], [2, 2]], { origin: "https://shop.example" })).status).to.equal(200);
      expect((await ingestClicks(app.base, BLOG.key, [[3, 3]], { origin: "https://www.blog.example" })).status).to.equal(200);
      // A tenant's key from another tenant's site is refused.
      expect((await ingestClicks(app.base, SHOP.key, [[4, 4]], { origin: "https://blog.example" })).status).to.equal(403);

      await expectClickTotal(app.base, "shop", SHOP.token, 2);
      await expectClickTotal(app.base, "blog", BLOG.token, 1);
      const crossRead = await fetch(`${app.base}/api/projects/shop/heatmap?type=click`, { headers: { authorization: `Bearer ${BLOG.token}` } });
      // Another tenant's token learns nothing, not even that the project exists.
      expect(crossRead.status).to.equal(404);

      // The shop's dashboard may read the shop from the browser, not the blog.
      const shopDash = await preflight(`${app.base}/api/projects/shop/heatmap`, "https://dash.shop.example", "GET", "authorization");
      expect(shopDash.status).to.equal(204);
      expect(shopDash.headers.get("access-control-allow-origin")).to.equal("https://dash.shop.example");
      expect((await preflight(`${app.base}/api/projects/blog/heatmap`, "https://dash.shop.example", "GET", "authorization")).status).to.equal(403);
    });
  });

  describe("swap-storage (on SQLite, serving)", () => {
    it("ingests and reads through the adapter its one line picked", async () => {
      app = await startExample(exampleMain("heat-collector-example-swap-storage"), { STORE: "sqlite", SQLITE_FILE: join(work, "swap.db") }, { args: ["--serve"] });
      expect(app.output()).to.match(/on sqlite/);
      expect((await ingestClicks(app.base, "hk_swap_demo_key_0123456789abcdef", [[5, 5], [6, 6], [7, 7]])).status).to.equal(200);
      await expectClickTotal(app.base, "swap-demo", "hr_swap_demo_read_0123456789abcdef", 3);
    });
  });
});
