import type { EventView, HeatmapBody, SessionView } from "@m-software-engineering/heat-collector";

/** Reads the public query APIs of a running collector over HTTP, as a dashboard would. */
export class QueryApi {
  constructor(
    private readonly origin: string,
    private readonly projectId: string,
    /** A read token of the project, sent as a bearer token. */
    private readonly readToken: string,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.origin}${path}`, { headers: { Authorization: `Bearer ${this.readToken}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Every event (all pages of the list), optionally of one type. */
  async events(type?: string): Promise<EventView[]> {
    const all: EventView[] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const q = new URLSearchParams({ limit: "1000", offset: String(offset), ...(type && { type }) });
      const page: { events: EventView[]; page: { nextOffset: number | null } } = await this.get(`/api/projects/${this.projectId}/events?${q}`);
      all.push(...page.events);
      offset = page.page.nextOffset;
    }
    return all;
  }

  heatmap(type: string, extra: Record<string, string> = {}): Promise<HeatmapBody> {
    return this.get(`/api/projects/${this.projectId}/heatmap?${new URLSearchParams({ type, ...extra })}`);
  }

  async sessions(): Promise<SessionView[]> {
    return (await this.get<{ sessions: SessionView[] }>(`/api/projects/${this.projectId}/sessions?limit=200`)).sessions;
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
