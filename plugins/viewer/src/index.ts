import { join } from "node:path";
import express from "express";
import type { CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";

export interface ViewerOptions {
  /** Where the page is served. Default "/viewer". */
  path?: string;
}

/** The folder holding the page: shipped as-is (plain HTML and JS modules, no build step). */
export const VIEWER_STATIC_DIR = join(__dirname, "..", "static");

/**
 * Serves the heatmap viewer page. The page reads only the public query APIs (/api/...), sending the
 * read token it is given as `Authorization: Bearer`, so it works with open or token-protected reads.
 */
export function viewer(options: ViewerOptions = {}): CollectorPlugin {
  const mount = options.path ?? "/viewer";
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(mount) || mount.endsWith("/")) throw new Error(`viewer: invalid path "${mount}"`);
  return {
    name: "viewer",
    apply(kernel) {
      kernel.hooks.routes.tap("viewer", (router) => {
        // "/viewer" → "/viewer/" so the page's relative module imports resolve under the mount.
        router.get(mount, (req, res, next) => {
          const url = new URL(req.originalUrl, "http://viewer.invalid");
          if (url.pathname.endsWith("/")) return next();
          res.redirect(301, `${url.pathname}/${url.search}`);
        });
        router.use(mount, (_req, res, next) => {
          // The page holds a read token: no caching by proxies, no framing by other sites, no referrer leaks.
          res.setHeader("Cache-Control", "no-store");
          res.setHeader("X-Frame-Options", "DENY");
          res.setHeader("Referrer-Policy", "no-referrer");
          next();
        });
        // Where the page finds the query APIs: the router's own mount point in the host app.
        router.get(`${mount}/config.json`, (req, res) => {
          res.json({ apiBase: req.baseUrl });
        });
        router.use(mount, express.static(VIEWER_STATIC_DIR, { index: "index.html", redirect: false, fallthrough: true }));
      });
    },
  };
}
