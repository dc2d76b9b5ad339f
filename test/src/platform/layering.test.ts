import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../helpers/repo";
import { checkLayering, cyclesOf, type LayeringReport, type Workspace } from "./support/layering";

const KERNEL = "@m-software-engineering/heat-collector-kernel";
const PRESET = "@m-software-engineering/heat-collector";

/**
 * The layering of ARCHITECTURE.md "Layout and dependencies", read from the real source with the
 * TypeScript compiler: the kernel at the bottom importing nothing of ours, plugins, auth strategies
 * and storage adapters above it, the preset on top, no import cycle inside or between packages.
 */
describe("layering: imports point down and never go round", () => {
  describe("the repository", () => {
    let report: LayeringReport;
    before(() => {
      report = checkLayering(REPO_ROOT);
    });
    const workspace = (name: string): Workspace => {
      const found = report.workspaces.find((w) => w.name === name);
      if (!found) throw new Error(`no workspace ${name}`);
      return found;
    };

    it("breaks no rule", () => {
      expect(report.violations).to.deep.equal([]);
    });

    it("read the real graph: the kernel's modules and their imports, the preset's imports of the plugins", () => {
      const kernel = workspace(KERNEL);
      expect(kernel.dir).to.equal("core/kernel");
      expect(kernel.modules.size).to.be.at.least(25);
      expect([...(kernel.modules.get("src/kernel.ts") ?? [])]).to.include.members(["src/http/router.ts", "src/plugin.ts", "src/hooks.ts"]);
      expect([...(kernel.modules.get("src/http/router.ts") ?? [])]).to.include.members(["src/context.ts", "src/hooks.ts"]);
      expect(kernel.imports.size).to.equal(0);

      const preset = workspace(PRESET);
      expect(preset.layer).to.equal("preset");
      // Static imports, and the require() of the storage package picked by dialect.
      expect([...preset.imports]).to.include.members([KERNEL, "@m-software-engineering/heat-collector-cors", "@m-software-engineering/heat-collector-storage-sqlite", "@m-software-engineering/heat-collector-storage-sequelize"]);
    });

    it("places every workspace in a layer: one kernel, one preset, every plugin, strategy and adapter between them", () => {
      const count = (layer: string) => report.workspaces.filter((w) => w.layer === layer).length;
      expect(count("kernel")).to.equal(1);
      expect(count("preset")).to.equal(1);
      expect(count("extension")).to.be.at.least(12);
      for (const w of report.workspaces.filter((w) => w.layer === "extension")) expect([...w.imports], w.dir).to.include(KERNEL);
    });
  });

  describe("the check itself, on a small repository with every kind of break", () => {
    const root = mkdtempSync(join(tmpdir(), "heat-layering-"));
    after(() => rmSync(root, { recursive: true, force: true }));

    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    const pkg = (dir: string, name: string, deps: Record<string, string> = {}): void => {
      write(`${dir}/package.json`, JSON.stringify({ name, version: "0.0.0", dependencies: deps }));
      write(`${dir}/tsconfig.json`, JSON.stringify({ compilerOptions: { module: "Node16", moduleResolution: "Node16", strict: true, rootDir: "src" }, include: ["src"] }));
    };

    before(() => {
      write("package.json", JSON.stringify({ private: true, workspaces: ["core/kernel", "plugins/a", "plugins/b", "preset", "examples/app"] }));
      pkg("core/kernel", "k");
      // A type-only cycle of three, like kernel.ts → http/router.ts → plugin.ts → kernel.ts was.
      write("core/kernel/src/kernel.ts", `import type { R } from "./http/router";\nexport class Kernel { r?: R }\n`);
      write("core/kernel/src/http/router.ts", `import type { P } from "../plugin";\nexport type R = P;\n`);
      write("core/kernel/src/plugin.ts", `export type P = { apply(k: import("./kernel").Kernel): void };\n`);
      // The kernel reaching up to a plugin, through a require().
      write("core/kernel/src/load.ts", `export const a = require("a/dist/x");\n`);
      write("core/kernel/src/self.ts", `export * from "./self";\n`);
      pkg("plugins/a", "a", { k: "*" });
      write("plugins/a/src/index.ts", `import { Kernel } from "k";\nexport const make = async () => (await import("preset")).run;\nexport type K = Kernel;\n`);
      pkg("plugins/b", "b", { k: "*", a: "*" });
      write("plugins/b/src/index.ts", `export { make } from "a";\n`);
      pkg("preset", "preset", { k: "*", a: "*", app: "*" });
      write("preset/src/index.ts", `import "k";\nimport "a";\nimport "b";\nexport const run = 1;\n`);
      pkg("examples/app", "app", { preset: "*" });
      write("examples/app/src/main.ts", `import { run } from "preset";\nimport { make } from "a";\nexport { run, make };\n`);
    });

    it("reports each cycle and each upward import or dependency, and nothing else", () => {
      const { violations } = checkLayering(root);
      expect(violations).to.have.members([
        "import cycle in core/kernel: src/http/router.ts ↔ src/kernel.ts ↔ src/plugin.ts",
        "import cycle in core/kernel: src/self.ts",
        "core/kernel (kernel) imports a (extension): imports point down the layers",
        "plugins/a (extension) imports preset (preset): imports point down the layers",
        "preset (preset) depends on app (app): imports point down the layers",
        // The kernel's require of "a" closes a loop through every package but the app.
        "import cycle between packages: a ↔ b ↔ k ↔ preset",
      ]);
    });

    it("finds components, not only direct back-edges", () => {
      const graph = new Map([
        ["a", new Set(["b"])],
        ["b", new Set(["c"])],
        ["c", new Set(["a", "d"])],
        ["d", new Set<string>()],
      ]);
      expect(cyclesOf(graph)).to.deep.equal([["a", "b", "c"]]);
    });
  });
});
