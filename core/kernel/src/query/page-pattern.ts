import picomatch from "picomatch";
import { CollectorError } from "../errors";
import type { StorageAdapter } from "../storage/adapter";

/** Most pages a `pathPattern` may select (unless it selects every page): each becomes a bind value. */
export const MAX_PATTERN_PAGES = 1000;

/** Which pages a query reads: `path` (already its page key) and/or a `pathPattern` glob. */
export interface PageSelector {
  page?: string;
  pathPattern?: string;
}

/** "/blog/" → "/blog": a trailing slash never decides whether a page matches ("/" stays "/"). */
const trimSlash = (p: string): string => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p);

/**
 * A glob over page keys (picomatch, POSIX, dot segments included, case-sensitive like URL paths).
 * Both sides lose one trailing slash first, so `/blog/*` matches `/blog/a/` and `/blog` matches
 * `/blog/`. `?` is the glob's one-character wildcard: pages never hold a query.
 */
export function pagePatternMatcher(pattern: string): (page: string) => boolean {
  let test: (p: string) => boolean;
  try {
    test = picomatch(trimSlash(pattern), { dot: true, windows: false });
  } catch (err) {
    throw new CollectorError("invalid_query", "Query param 'pathPattern' is not a valid glob.", {
      details: [{ param: "pathPattern", message: err instanceof Error ? err.message : "not a valid glob" }],
    });
  }
  return (page) => test(trimSlash(page));
}

/**
 * The page keys a query reads, or undefined for every page. A pattern is matched against the
 * project's distinct page keys (the adapter lists them from its heat dimensions, never from
 * events); the query then reads those pages only. A pattern matching every page reads unfiltered.
 */
export async function resolvePages(storage: StorageAdapter, projectId: string, sel: PageSelector): Promise<readonly string[] | undefined> {
  if (sel.pathPattern === undefined) return sel.page === undefined ? undefined : [sel.page];
  const matches = pagePatternMatcher(sel.pathPattern);
  if (sel.page !== undefined) return matches(sel.page) ? [sel.page] : [];
  const all = await storage.listPages(projectId);
  const pages = all.filter(matches).sort();
  if (pages.length === all.length) return undefined;
  if (pages.length > MAX_PATTERN_PAGES) {
    throw new CollectorError("invalid_query", `Query param 'pathPattern' matches ${pages.length} pages, more than ${MAX_PATTERN_PAGES}: narrow it.`, {
      details: [{ param: "pathPattern", message: `matches more than ${MAX_PATTERN_PAGES} pages` }],
    });
  }
  return pages;
}
