// The public query APIs, read with an optional read token (Authorization: Bearer). The viewer is
// served by the collector, so the APIs are same-origin: "/api/..." relative to the site root.

/** An API refusal or failure, carrying the collector's stable error code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {{ base: string, token: string, project: string }} opts */
export function createApi({ base, token, project }) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const pid = encodeURIComponent(project);

  async function get(path, params = {}) {
    const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
    const res = await fetch(`${base}${path}${query.size ? `?${query}` : ""}`, { headers, cache: "no-store" });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body?.code ?? "http_error", body?.message ?? `HTTP ${res.status}`);
    return body;
  }

  /** Follows nextOffset up to `max` rows: lists are paged by the collector. */
  async function all(path, key, params, max = 20000) {
    const rows = [];
    for (let offset = 0; offset !== null && rows.length < max; ) {
      const page = await get(path, { ...params, limit: 1000, offset });
      rows.push(...page[key]);
      offset = page.page.nextOffset;
    }
    return rows;
  }

  return {
    heatmap: (params) => get(`/api/projects/${pid}/heatmap`, params),
    timeseries: (params) => get(`/api/projects/${pid}/timeseries`, params),
    elements: (params) => get(`/api/projects/${pid}/elements`, params),
    scrollmap: (params) => get(`/api/projects/${pid}/scrollmap`, params),
    sessions: (params) => get(`/api/projects/${pid}/sessions`, { ...params, limit: 200 }).then((b) => b.sessions),
    events: (params, max) => all(`/api/projects/${pid}/events`, "events", params, max),
    session: (id) => get(`/api/sessions/${encodeURIComponent(id)}`, { projectId: project, limit: 1000 }),
  };
}
