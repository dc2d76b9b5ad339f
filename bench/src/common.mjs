// @ts-check
/** Paths, identities and small helpers shared by the runner, servers and loaders. */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFileSync } from "node:fs";

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT_DIR = join(BENCH_DIR, "..");
/** Resolves packages the way our workspace does (root node_modules): our collector and its express. */
export const rootRequire = createRequire(join(ROOT_DIR, "package.json"));
export const benchRequire = createRequire(join(BENCH_DIR, "package.json"));

export const PROJECT_ID = "bench";
export const INGEST_KEY = "hk_bench_ingest_key_0123456789abcdef";
export const READ_TOKEN = "hk_bench_read_token_0123456789abcdef";
/** Bearer token of the Prometheus endpoint of the `production` server kind. */
export const METRICS_TOKEN = "hk_bench_metrics_token_0123456789";

/** Current and peak resident set size of a process, in MB, from /proc (Linux). */
export function rssOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const READ_HEADERS = { authorization: `Bearer ${READ_TOKEN}` };

/** GET with the bench's read token; throws unless 200. Returns the time to the whole body and its size. */
export async function timedGet(url) {
  const t = performance.now();
  const res = await fetch(url, { headers: READ_HEADERS });
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  return { ms: performance.now() - t, bytes: body.byteLength };
}

/** An error's message and its cause's, once each, on one line (for results files and tables). */
export function describeError(/** @type {any} */ err) {
  return [...new Set([err?.message, err?.cause?.message].filter(Boolean))].join(": ").replace(/\s+/g, " ") || String(err);
}
