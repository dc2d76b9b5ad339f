import type { ProjectRegistry } from "@m-software-engineering/heat-collector-kernel";
import { originAccepted } from "./origins";

/**
 * Every project's `allowedOrigins`, read with one `projects.list()` and cached for `ttlMs`, for the
 * answers given before (or without) a project lookup by key: preflights carry no header values.
 */
export class ProjectOrigins {
  private cached: { at: number; lists: Map<string, readonly string[]> } | null = null;
  private loading: Promise<Map<string, readonly string[]>> | null = null;

  constructor(
    private readonly projects: ProjectRegistry,
    private readonly ttlMs: number,
  ) {}

  /**
   * Ingest's rule: an origin passes when at least one project accepts it (an empty list accepts
   * all), or when no project exists at all (an auto-creating collector has nothing to restrict yet).
   */
  async anyAccepts(origin: string): Promise<boolean> {
    const lists = [...(await this.lists()).values()];
    return lists.length === 0 || lists.some((list) => originAccepted(list, origin));
  }

  /**
   * Reads' rule: the origin must be listed, never implied by an empty list. With `projectId` (a path
   * naming a known project) that project's list decides; otherwise any project's list.
   */
  async listsForReads(origin: string, projectId?: string): Promise<boolean> {
    const all = await this.lists();
    const own = projectId === undefined ? undefined : all.get(projectId);
    const candidates = own ? [own] : [...all.values()];
    return candidates.some((list) => list.length > 0 && originAccepted(list, origin));
  }

  private async lists(): Promise<Map<string, readonly string[]>> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.lists;
    // One read shared by concurrent callers when the cache is cold.
    this.loading ??= this.projects
      .list()
      .then((all) => {
        const lists = new Map(all.map((p) => [p.id, p.allowedOrigins] as const));
        this.cached = { at: Date.now(), lists };
        return lists;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
