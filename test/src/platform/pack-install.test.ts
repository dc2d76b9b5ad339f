import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { admin, freshDatabase, PG_URL } from "../conformance/stores";
import { requireService } from "../helpers/services";
import { startExample, type RunningExample } from "./support/example-process";
import { expectClickTotal, ingestClicks } from "./support/hits";
import { installProject, libraryWorkspaces, packLibraries, readmeQuickStart } from "./support/packed";

const KEY = "hk_pack_shop_key_0123456789abcdef";
const TOKEN = "hr_pack_shop_read_0123456789abcdef";

/**
 * The library packages packed as npm would publish them, installed into empty projects outside the
 * repository (dependencies from the registry, nothing linked from the workspace), running the
 * README quick start: an ingest from the listed origin, then a heatmap read.
 */
describe("packed packages install from tarballs and run the README quick start", function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), "heat-pack-"));
  let tarballs: Map<string, string>;
  let app: RunningExample | undefined;

  before(async () => {
    tarballs = await packLibraries(join(work, "tarballs"));
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("packs every library package (the twelve, and any added later)", () => {
    expect(tarballs.size).to.equal(libraryWorkspaces().length).and.to.be.at.least(12);
  });

  async function runQuickStart(dir: string, env: Record<string, string>): Promise<void> {
    app = await startExample(join(dir, "quickstart.mjs"), { SHOP_INGEST_KEY: KEY, SHOP_READ_TOKEN: TOKEN, ...env }, { cwd: dir, timeoutMs: 60_000 });
    const sent = await ingestClicks(app.base, KEY, [[204, 300], [900, 500]], { origin: "https://shop.example" });
    expect(sent.status, await sent.clone().text()).to.equal(200);
    expect(((await sent.json()) as { stored: number }).stored).to.equal(2);
    await expectClickTotal(app.base, "shop", TOKEN, 2);
  }

  it("on SQLite, with better-sqlite3 from the registry", async () => {
    const dir = join(work, "sqlite");
    await installProject(dir, tarballs, { "better-sqlite3": "^12.6.2", express: "^4.22.3" });
    writeFileSync(join(dir, "quickstart.mjs"), readmeQuickStart());
    await runQuickStart(dir, {});
    expect(existsSync(join(dir, "heat-tracker.db"))).to.equal(true);
  });

  describe("on PostgreSQL", () => {
    before(async function () {
      await requireService(this, "PostgreSQL", () => admin("pg", PG_URL, (run) => run("SELECT 1")));
    });

    it("with pg and without better-sqlite3", async () => {
      const dir = join(work, "pg");
      await installProject(dir, tarballs, { pg: "^8.12.0", express: "^4.22.3" });
      expect(existsSync(join(dir, "node_modules", "better-sqlite3")), "better-sqlite3 was installed").to.equal(false);
      writeFileSync(join(dir, "quickstart.mjs"), readmeQuickStart(`{ dialect: "pg", connectionString: process.env.DATABASE_URL }`));
      const db = await freshDatabase("pg", PG_URL, "hc_pack");
      try {
        await runQuickStart(dir, { DATABASE_URL: db.url });
      } finally {
        await app?.stop();
        app = undefined;
        await db.drop();
      }
    });
  });
});
