/**
 * Origin matching for a project's `allowedOrigins`. Entries are exact origins
 * ("https://shop.example"), a subdomain wildcard ("https://*.example.com", which does not match the
 * bare domain) or "*". An empty list accepts every origin: projects registered without the field
 * (and auto-created ones) keep working from any site, as they did before this plugin existed.
 */

/**
 * "HTTPS://Shop.Example:443/" → "https://shop.example". The opaque origin "null" (sandboxed frames,
 * file: pages) stays "null": only "*", an empty list or a literal "null" entry accepts it.
 * Returns null for anything that is not an origin.
 */
export function normalizeOrigin(value: string): string | null {
  if (value === "null") return "null";
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return url.origin;
  } catch {
    return null;
  }
}

function matchesEntry(origin: string, entry: string): boolean {
  if (entry === "*") return true;
  const star = entry.indexOf("://*.");
  if (star === -1) return normalizeOrigin(entry.trim()) === origin;
  // "scheme://*.rest": same scheme, and the host ends with ".rest" (port included when given).
  const scheme = entry.slice(0, star + 3).toLowerCase();
  const suffix = entry.slice(star + 4).toLowerCase();
  return origin.startsWith(scheme) && origin.slice(scheme.length).endsWith(suffix);
}

/** Whether a project with this list accepts requests from `origin` (already normalized). */
export function originAccepted(allowedOrigins: readonly string[], origin: string): boolean {
  return allowedOrigins.length === 0 || allowedOrigins.some((entry) => matchesEntry(origin, entry));
}
