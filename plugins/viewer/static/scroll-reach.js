// The scroll map's data: for each session, the deepest page y it saw (scrollY + viewport height,
// or the first screen when it never scrolled); reach(y) = share of sessions whose deepest y >= y.

export async function loadScrollReach(api, filters, defaultViewportH) {
  const [scrolls, sessions] = await Promise.all([api.events({ ...filters, type: "scroll" }), api.sessions(filters)]);
  const deepest = new Map();
  for (const s of sessions) deepest.set(s.sessionId, defaultViewportH);
  let pageHeight = defaultViewportH;
  for (const e of scrolls) {
    const h = e.viewport?.h ?? defaultViewportH;
    const seen = e.scrollY + h;
    deepest.set(e.sessionId, Math.max(deepest.get(e.sessionId) ?? h, seen));
    // The SDK's depth is scrollY / (documentHeight - viewportHeight): invert it for the page height.
    if (e.scrollDepthPct > 0) pageHeight = Math.max(pageHeight, Math.round((e.scrollY * 100) / e.scrollDepthPct + h));
    pageHeight = Math.max(pageHeight, seen);
  }
  const depths = [...deepest.values()].sort((a, b) => a - b);
  const n = depths.length;
  /** Share of sessions that saw page y: binary search over the sorted deepest ys. */
  const reach = (y) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (depths[mid] < y) lo = mid + 1;
      else hi = mid;
    }
    return n === 0 ? 0 : (n - lo) / n;
  };
  return { reach, pageHeight, sessions: n, scrolls: scrolls.length };
}
