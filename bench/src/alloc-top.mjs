// @ts-check
/** Top allocating functions of an alloc-profile.cjs profile, self and inclusive: `node alloc-top.mjs <file> [n]`. */
import { readFileSync } from "node:fs";

const [file, nArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const n = Number(nArg ?? 30);
/** @type {Map<string, number>} */
const self = new Map();
/** @type {Map<string, number>} */
const inclusive = new Map();
let total = 0;
const nameOf = (/** @type {any} */ node) => {
  const cf = node.callFrame;
  return `${cf.functionName || "(anonymous)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
};
/** Bytes under `node`; a function recursing into itself is counted once on each path. */
function walk(/** @type {any} */ node, /** @type {Set<string>} */ onPath) {
  const name = nameOf(node);
  total += node.selfSize;
  self.set(name, (self.get(name) ?? 0) + node.selfSize);
  const first = !onPath.has(name);
  if (first) onPath.add(name);
  let bytes = node.selfSize;
  for (const child of node.children) bytes += walk(child, onPath);
  if (first) {
    inclusive.set(name, (inclusive.get(name) ?? 0) + bytes);
    onPath.delete(name);
  }
  return bytes;
}
walk(profile.head, new Set());
console.log(`allocated ${(total / 1048576).toFixed(0)} MB (sampled)`);
for (const [title, map] of /** @type {const} */ ([["self", self], ["inclusive", inclusive]])) {
  console.log(`--- ${title}`);
  for (const [k, b] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((100 * b) / total).toFixed(1).padStart(5)}%  ${k}`);
}
