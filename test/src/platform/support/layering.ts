import { readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";

/**
 * The layers of the repository, bottom to top. A package may import packages of a lower layer only;
 * extensions may also use each other (auth:both composes two strategies); apps (examples, tests)
 * may use anything.
 */
export const LAYERS = ["kernel", "extension", "preset", "app"] as const;
export type Layer = (typeof LAYERS)[number];

/** Where each layer lives. A workspace outside these folders fails the check until it is placed. */
export function layerOf(workspace: string): Layer {
  const top = workspace.split("/")[0];
  if (workspace === "core/kernel") return "kernel";
  if (top === "plugins" || top === "storage-adapters" || top === "auth-strategies") return "extension";
  if (workspace === "preset") return "preset";
  if (top === "examples" || workspace === "test") return "app";
  throw new Error(`workspace ${workspace} is in no layer: place it in layerOf (test/src/platform/support/layering.ts)`);
}

function mayImport(from: Layer, to: Layer): boolean {
  const below = LAYERS.indexOf(to) < LAYERS.indexOf(from);
  return below || (from === to && (from === "extension" || from === "app"));
}

export interface Workspace {
  /** Path from the repository root, as in the root package.json's `workspaces`. */
  readonly dir: string;
  readonly name: string;
  readonly layer: Layer;
  /** Source modules (paths from the workspace) → the modules of the same package they import. */
  readonly modules: Map<string, Set<string>>;
  /** Workspace packages this one imports from its source, by name. */
  readonly imports: Set<string>;
  /** Workspace packages its package.json depends on (any dependency field), by name. */
  readonly declares: Set<string>;
}

export interface LayeringReport {
  readonly workspaces: Workspace[];
  /** One line per broken rule; empty when the layering holds. */
  readonly violations: string[];
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

/**
 * Every module specifier written in a file: import/export from, import x = require, require(),
 * import(), import("x").T, declare module. A computed require(name) (an optional peer driver) is not
 * an edge this check can follow.
 */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const literal: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      literal.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      literal.push(node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      literal.push(node.argument.literal.text);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      literal.push(node.name.text);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteralLike(arg)) literal.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return literal;
}

/** The compiler options and source files of a workspace, from its tsconfig.json as tsc -b reads it. */
function parseTsconfig(dir: string): ts.ParsedCommandLine {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, "tsconfig.json"), undefined, host);
  if (!parsed) throw new Error(`cannot read ${join(dir, "tsconfig.json")}`);
  return parsed;
}

const toPosix = (path: string): string => path.split(sep).join("/");

/** Tarjan's strongly connected components: every set of nodes that reach each other, including a node importing itself. */
export function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles;
}

/**
 * Reads every workspace's real source (the files its tsconfig compiles, type-only imports included)
 * and checks: no import cycle inside a package or between packages, and every import and declared
 * dependency between workspace packages points down the layers.
 */
export function checkLayering(root: string): LayeringReport {
  const dirs = readJson<{ workspaces: string[] }>(join(root, "package.json")).workspaces;
  const manifests = new Map(dirs.map((dir) => [dir, readJson<Manifest>(join(root, dir, "package.json"))] as const));
  const byName = new Map([...manifests].map(([dir, m]) => [m.name, dir] as const));
  const packageOf = (specifier: string): string | undefined =>
    [...byName.keys()].find((name) => specifier === name || specifier.startsWith(`${name}/`));
  const violations: string[] = [];

  const workspaces = dirs.map((dir): Workspace => {
    const base = join(root, dir);
    const manifest = manifests.get(dir)!;
    const layer = layerOf(dir);
    const { options, fileNames } = parseTsconfig(base);
    const modules = new Map<string, Set<string>>();
    const imports = new Set<string>();
    for (const file of fileNames) {
      const from = toPosix(relative(base, file));
      const edges = new Set<string>();
      modules.set(from, edges);
      for (const specifier of specifiersOf(file)) {
        if (specifier.startsWith(".")) {
          const resolved = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule?.resolvedFileName;
          if (resolved === undefined) violations.push(`${dir}/${from}: "${specifier}" does not resolve`);
          else if (!relative(base, resolved).startsWith("..")) edges.add(toPosix(relative(base, resolved)));
        } else {
          const name = packageOf(specifier);
          if (name !== undefined && name !== manifest.name) imports.add(name);
        }
      }
    }
    const declared = [manifest.dependencies, manifest.devDependencies, manifest.peerDependencies, manifest.optionalDependencies];
    const declares = new Set(declared.flatMap((deps) => Object.keys(deps ?? {})).filter((name) => byName.has(name)));
    return { dir, name: manifest.name, layer, modules, imports, declares };
  });

  const layerByName = new Map(workspaces.map((w) => [w.name, w.layer] as const));
  for (const w of workspaces) {
    for (const cycle of cyclesOf(w.modules)) violations.push(`import cycle in ${w.dir}: ${cycle.join(" ↔ ")}`);
    for (const [how, names] of [["imports", w.imports], ["depends on", w.declares]] as const) {
      for (const name of [...names].sort()) {
        const to = layerByName.get(name)!;
        if (!mayImport(w.layer, to)) violations.push(`${w.dir} (${w.layer}) ${how} ${name} (${to}): imports point down the layers`);
      }
    }
  }
  const packageGraph = new Map(workspaces.map((w) => [w.name, w.imports] as const));
  for (const cycle of cyclesOf(packageGraph)) violations.push(`import cycle between packages: ${cycle.join(" ↔ ")}`);
  return { workspaces, violations };
}
