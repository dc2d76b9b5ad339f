import { spawnSync } from "node:child_process";
import { expect } from "chai";

/**
 * A collector installed without the optional peer driver must say which package to install. The
 * child process runs the real adapter package; a preload makes the driver unresolvable, exactly as
 * when `npm install` skipped it.
 */
function startWithout(driver: string, dialect: "pg" | "mysql"): { code: string; message: string } {
  const hide = `const M = require("module"); const r = M._resolveFilename;
    M._resolveFilename = function (req, ...rest) { if (req === ${JSON.stringify(driver)}) { const e = new Error("Cannot find module '" + req + "'"); e.code = "MODULE_NOT_FOUND"; throw e; } return r.call(this, req, ...rest); };`;
  const run = `try { require("@m-software-engineering/heat-collector-storage-sequelize").createSequelizeStorage({ dialect: ${JSON.stringify(dialect)}, connectionString: "${dialect}://x@127.0.0.1/x" }); console.log(JSON.stringify({ code: "none", message: "" })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const out = spawnSync(process.execPath, ["-e", `${hide}\n${run}`], { encoding: "utf8", cwd: __dirname });
  return JSON.parse(out.stdout.trim()) as { code: string; message: string };
}

describe("sequelize adapter: a missing optional driver", () => {
  it("names `npm install pg` for PostgreSQL", () => {
    const e = startWithout("pg", "pg");
    expect(e.code).to.equal("driver_missing");
    expect(e.message).to.include("npm install pg");
  });
  it("names `npm install mysql2` for MySQL/MariaDB", () => {
    const e = startWithout("mysql2", "mysql");
    expect(e.code).to.equal("driver_missing");
    expect(e.message).to.include("npm install mysql2");
  });
});
