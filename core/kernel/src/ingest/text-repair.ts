/**
 * Text no database stores faithfully (NUL, unpaired surrogates) and strings longer than their field
 * allows: found, replaced and cut here, so that one odd string costs a field its tail, never a
 * visitor's batch.
 */

const UNSAFE = "\\u0000|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const UNSAFE_TEXT = new RegExp(UNSAFE);
const UNSAFE_TEXT_ALL = new RegExp(UNSAFE, "g");

/** What a cut string ends with (U+2026): a reader sees it was cut, and the value stays within its limit. */
export const CUT_MARKER = "\u2026";
/** What NUL and unpaired surrogates become, as a UTF-8 decoder would make them. */
export const REPLACEMENT_CHAR = "\ufffd";

export function hasUnsafeText(s: string): boolean {
  return UNSAFE_TEXT.test(s);
}

/** JSON pointer of the first string (value or key) holding unsafe text, walked iteratively; null if none. */
export function unsafeTextAt(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (UNSAFE_TEXT.test(v)) return path || "/";
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    for (const [k, child] of Object.entries(v)) {
      if (UNSAFE_TEXT.test(k)) return `${path}/${k.replace(/[\u0000-\u001f\ud800-\udfff]/g, "?")}`;
      stack.push([child, `${path}/${k}`]);
    }
  }
  return null;
}

/**
 * A copy of `value` with unsafe text replaced in every string and key, and the pointers of what
 * changed; `value` itself when nothing did. Recursive: call it only on values whose depth is bounded.
 */
export function repairText(value: unknown, path = "", changed: string[] = []): { value: unknown; changed: string[] } {
  if (typeof value === "string") {
    if (!UNSAFE_TEXT.test(value)) return { value, changed };
    changed.push(path || "/");
    return { value: value.replace(UNSAFE_TEXT_ALL, REPLACEMENT_CHAR), changed };
  }
  if (value === null || typeof value !== "object") return { value, changed };
  const before = changed.length;
  if (Array.isArray(value)) {
    const out = value.map((v, i) => repairText(v, `${path}/${i}`, changed).value);
    return { value: changed.length === before ? value : out, changed };
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  const out = Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const key = UNSAFE_TEXT.test(k) ? (changed.push(`${path}/${k.replace(UNSAFE_TEXT_ALL, "?")}`), k.replace(UNSAFE_TEXT_ALL, REPLACEMENT_CHAR)) : k;
      return [key, repairText(v, `${path}/${key}`, changed).value];
    }),
  );
  return { value: changed.length === before ? value : out, changed };
}

/** `s` cut to at most `max` code units, ending with CUT_MARKER, never splitting a surrogate pair. */
export function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - CUT_MARKER.length);
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return s.slice(0, end) + CUT_MARKER;
}
