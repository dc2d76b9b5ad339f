// @ts-check
/** What a results file records about the run (machine, code measured) and how tables are printed. */
import { spawnSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { ROOT_DIR } from "./common.mjs";

/** A number for a table: "—" when absent. */
export const fmt = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? "—" : Number(v).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));

/** "a / b×" when higher is better, "b / a×" when lower is better; "—" if either is missing. */
export const ratio = (a, b, higherIsBetter) => (a === undefined || b === undefined || !a || !b ? "—" : `${fmt(higherIsBetter ? a / b : b / a, 1)}×`);

export const loadAvg = () => loadavg().map((x) => Number(x.toFixed(2)));

export function machine() {
  const nproc = spawnSync("nproc", { encoding: "utf8" }).stdout.trim();
  return { nproc: Number(nproc), cpuModel: cpus()[0]?.model ?? "unknown", memoryGb: Math.round(totalmem() / 2 ** 30), loadAvgAtStart: loadAvg(), node: process.version, platform: process.platform };
}

/** The commit measured, and whether the built packages may differ from it (uncommitted changes
 * under the folders that are built into what the bench imports). */
export function codeMeasured() {
  const git = (...args) => spawnSync("git", args, { cwd: ROOT_DIR, encoding: "utf8" }).stdout.trim();
  const dirty = git("status", "--porcelain", "--", "core", "preset", "storage-adapters", "plugins", "auth-strategies").split("\n").filter(Boolean);
  return { commit: git("rev-parse", "HEAD"), uncommittedBuiltFiles: dirty };
}

/** A Markdown table, columns padded to line up. */
export function markdownTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
