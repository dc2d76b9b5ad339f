import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { createCollector, KERNEL_VERSION, PluginError, type CollectorPlugin } from "@m-software-engineering/heat-collector";
import { tempDir } from "../helpers/collector";

const noop = (name: string, extra: Partial<CollectorPlugin> = {}): CollectorPlugin => ({ name, apply: () => undefined, ...extra });

/** What createCollector throws (a collector that cannot start must not start), or null. */
async function startWith(plugins: CollectorPlugin[]): Promise<PluginError | null> {
  const tmp = tempDir();
  try {
    const c = await createCollector({ db: { dialect: "sqlite", file: join(tmp.dir, "p.db") }, auth: { mode: "projectKey" }, logging: { level: "error" }, plugins });
    await c.close();
    return null;
  } catch (err) {
    if (err instanceof PluginError) return err;
    throw err;
  } finally {
    tmp.cleanup();
  }
}

describe("plugin metadata: supported kernel versions and required plugins", () => {
  it("KERNEL_VERSION is the kernel package's version", () => {
    const manifest = JSON.parse(readFileSync(require.resolve("@m-software-engineering/heat-collector-kernel/package.json"), "utf8")) as { version: string };
    expect(KERNEL_VERSION).to.equal(manifest.version);
  });

  it("starts with plugins whose range includes this kernel and whose requirements are applied, in any order", async () => {
    expect(await startWith([noop("needs-b", { kernel: `^${KERNEL_VERSION}`, requires: ["b", "cors"] }), noop("b", { kernel: ">=0.1.0 <1" })])).to.equal(null);
  });

  it("refuses a plugin made for another kernel, naming both versions", async () => {
    const err = await startWith([noop("from-the-future", { kernel: "^2.0.0" })]);
    expect(err?.code).to.equal("plugin_kernel_mismatch");
    expect(err?.plugin).to.equal("from-the-future");
    expect(err?.message).to.contain("^2.0.0").and.to.contain(KERNEL_VERSION);
  });

  it("refuses a range that is not semver", async () => {
    const err = await startWith([noop("typo", { kernel: "version one" })]);
    expect(err?.code).to.equal("plugin_invalid_range");
  });

  it("refuses to start when a required plugin is missing, naming it", async () => {
    const err = await startWith([noop("enricher", { requires: ["bot-filter", "cors"] })]);
    expect(err?.code).to.equal("plugin_missing_requirement");
    expect(err?.plugin).to.equal("enricher");
    expect(err?.message).to.contain('"bot-filter"').and.not.to.contain('"cors"');
  });
});
