import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../helpers/repo";

const run = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
}

/** The workspace packages meant for npm: every workspace not marked private. */
export function libraryWorkspaces(): string[] {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { workspaces: string[] };
  return root.workspaces.filter((w) => !(JSON.parse(readFileSync(join(REPO_ROOT, w, "package.json"), "utf8")) as Manifest).private);
}

/** `npm pack` of every library package into `dir`, as npm would publish them: name → tarball path. */
export async function packLibraries(dir: string): Promise<Map<string, string>> {
  mkdirSync(dir, { recursive: true });
  const workspaces = libraryWorkspaces();
  await run("npm", ["pack", "--silent", "--pack-destination", dir, ...workspaces.flatMap((w) => ["-w", w])], { cwd: REPO_ROOT, timeout: 120_000 });
  const tarballs = new Map<string, string>();
  const files = new Set(readdirSync(dir));
  for (const w of workspaces) {
    const { name, version } = JSON.parse(readFileSync(join(REPO_ROOT, w, "package.json"), "utf8")) as Manifest;
    const file = `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
    if (!files.has(file)) throw new Error(`npm pack made no ${file} for ${w}`);
    tarballs.set(name, join(dir, file));
  }
  return tarballs;
}

/**
 * An empty project in `dir` that depends on the tarballs and on `registryDeps` (fetched from the
 * registry), installed with plain `npm install`: nothing is linked from the workspace.
 */
export async function installProject(dir: string, tarballs: Map<string, string>, registryDeps: Record<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const dependencies: Record<string, string> = { ...registryDeps };
  for (const [name, file] of tarballs) dependencies[name] = `file:${file}`;
  const manifest = { name: "heat-collector-quickstart", private: true, type: "module", dependencies, allowScripts: { "better-sqlite3": true } };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  await run("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, timeout: 480_000, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The README's "Quick start (Express)" block as a runnable ES module: TypeScript's non-null `!` on
 * env reads dropped, the port from PORT, and `db` replaced when given (a PostgreSQL install).
 */
export function readmeQuickStart(db?: string): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quick start (Express)"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README.md has no ts block under 'Quick start (Express)'");
  let code = block.replace(/(process\.env\.[A-Z_]+)!/g, "$1").replace("app.listen(3000,", "app.listen(Number(process.env.PORT),");
  if (db !== undefined) {
    const dbLine = /db: \{[^}]*\},/.exec(code)?.[0];
    if (!dbLine) throw new Error("the quick start has no db line");
    code = code.replace(dbLine, `db: ${db},`);
  }
  if (!code.includes("process.env.PORT")) throw new Error("the quick start no longer listens on 3000 as expected");
  return code;
}
