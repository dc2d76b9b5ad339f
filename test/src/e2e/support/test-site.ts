import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import express from "express";

/** The SDK's ESM build, exactly as npm installed it. */
export const SDK_ESM_PATH = join(dirname(require.resolve("@m-software-engineering/heat-sdk")), "index.mjs");

/** Positions (viewport px, page scrolled to the top) of the page's click targets. */
export const TARGETS = {
  buy: { x: 204, y: 300 },
  help: { x: 900, y: 500 },
} as const;

export const PAGE_HEIGHT = 4000;

export interface SiteSdkConfig {
  endpoint: string;
  projectKey: string;
  flushIntervalMs?: number;
  captureInputsAndKeys?: boolean;
}

/**
 * A tall page that loads the SDK from this site's own origin and calls init() with the config the
 * site serves (not in the URL: the SDK stores the path with its query string); it sets window.heat
 * (the tracker) and window.heatReady.
 */
function pageHtml(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>heat e2e shop</title>
<style>
  body { margin: 0; font: 16px sans-serif; }
  main { position: relative; height: ${PAGE_HEIGHT}px; background: linear-gradient(#fff, #eef); }
  button { position: absolute; width: 120px; height: 40px; transform: translate(-50%, -50%); }
  #email { position: absolute; left: 400px; top: 150px; width: 200px; }
  footer { position: absolute; bottom: 0; height: 100px; width: 100%; background: #ccd; }
</style></head>
<body><main>
  <input id="email" type="email" autocomplete="email">
  <button id="buy" style="left:${TARGETS.buy.x}px; top:${TARGETS.buy.y}px">Buy</button>
  <button id="help" style="left:${TARGETS.help.x}px; top:${TARGETS.help.y}px">Help</button>
  <footer>footer</footer>
</main>
<script type="module">
  import { init } from "/sdk/index.mjs";
  const cfg = await (await fetch("/sdk-config.json")).json();
  const keys = cfg.captureInputsAndKeys;
  window.heat = init({
    endpoint: cfg.endpoint,
    projectKey: cfg.projectKey,
    app: { name: "e2e-shop", version: "1.0.0", env: "test" },
    batch: { flushIntervalMs: cfg.flushIntervalMs ?? 2000 },
    capture: keys ? { inputs: { enabled: true, mode: "masked" }, keyboard: { enabled: true, mode: "metadata" } } : {},
  });
  window.heatReady = true;
</script></body></html>`;
}

export interface TestSite {
  origin: string;
  /** The SDK config the next page loads will use. */
  configure(cfg: SiteSdkConfig): void;
  close(): Promise<void>;
}

/** Serves the test page and the SDK on its own port: a different origin from the collector's. */
export async function startTestSite(): Promise<TestSite> {
  const sdk = readFileSync(SDK_ESM_PATH, "utf8");
  let config: SiteSdkConfig | null = null;
  const app = express();
  app.get("/sdk-config.json", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json(config);
  });
  app.get("/sdk/index.mjs", (_req, res) => {
    res.type("text/javascript").send(sdk);
  });
  app.get(["/", "/shop", "/shop/*"], (_req, res) => {
    res.type("html").send(pageHtml());
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    configure: (cfg) => {
      config = cfg;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
