import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../helpers/repo";
import { startExample, type RunningExample } from "./support/example-process";
import { expectClickTotal, ingestClicks, preflight } from "./support/hits";

const run = promisify(execFile);
const EXAMPLE = dirname(require.resolve("heat-collector-example-nestjs/package.json"));
const WORKSPACE_SCOPE = join(REPO_ROOT, "node_modules", "@m-software-engineering");
const KEY = "hk_nest_test_key_0123456789abcdef";
const TOKEN = "hr_nest_test_read_0123456789abcdef";
const ORIGIN = "https://shop.example";

/**
 * The README's NestJS snippet (examples/nestjs: consumer.apply(router).forRoutes("*")) started as
 * an app and hit over HTTP: a preflight, an ingest from the page's origin, a read, and the app's own
 * Nest route beside the collector. Mounted on a wildcard, the collector used to answer 404 to all.
 */
async function exercise(app: RunningExample, major: number): Promise<void> {
  expect(app.output()).to.match(new RegExp(`NestJS ${major}\\.`));

  const pre = await preflight(`${app.base}/ingest`, ORIGIN, "POST", "content-type,x-project-key");
  expect(pre.status).to.equal(204);
  expect(pre.headers.get("access-control-allow-origin")).to.equal(ORIGIN);

  const sent = await ingestClicks(app.base, KEY, [[10, 10], [300, 200]], { origin: ORIGIN });
  const reply = (await sent.json()) as { stored: number };
  expect(sent.status, JSON.stringify(reply)).to.equal(200);
  expect(reply.stored).to.equal(2);
  expect(sent.headers.get("access-control-allow-origin")).to.equal(ORIGIN);

  await expectClickTotal(app.base, "nest-demo", TOKEN, 2);

  // Nest's own routes still answer, and unknown paths still reach Nest's 404.
  expect(await (await fetch(`${app.base}/hello`)).json()).to.deep.equal({ hello: "nest" });
  expect((await fetch(`${app.base}/nothing-here`)).status).to.equal(404);
}

describe("NestJS: the README snippet works as written", function () {
  const work = mkdtempSync(join(tmpdir(), "heat-nest-"));
  const env = (name: string) => ({ SQLITE_FILE: join(work, `${name}.db`), PROJECT_KEY: KEY, READ_TOKEN: TOKEN, ALLOWED_ORIGIN: ORIGIN });
  let app: RunningExample | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("on NestJS 11 (examples/nestjs as built in this workspace)", async () => {
    app = await startExample(join(EXAMPLE, "dist", "main.js"), env("nest11"));
    await exercise(app, 11);
  });

  it("on NestJS 10 (the same build, NestJS 10 installed from the registry into an empty directory)", async function () {
    this.timeout(300_000);
    const dir = join(work, "nest10");
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "nest10-app", private: true }));
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--no-package-lock", "@nestjs/common@10", "@nestjs/core@10", "@nestjs/platform-express@10", "reflect-metadata@0.2", "rxjs@7"],
      { cwd: dir, timeout: 240_000 },
    );
    // The collector packages come from this workspace; NestJS, express and reflect-metadata from the install.
    symlinkSync(WORKSPACE_SCOPE, join(dir, "node_modules", "@m-software-engineering"), "dir");
    cpSync(join(EXAMPLE, "dist"), join(dir, "dist"), { recursive: true });
    app = await startExample(join(dir, "dist", "main.js"), env("nest10"), { cwd: dir });
    await exercise(app, 10);
  });
});
