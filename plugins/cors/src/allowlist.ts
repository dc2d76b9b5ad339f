import type { ProjectRegistry } from "@m-software-engineering/heat-collector-kernel";
import { originAccepted } from "./origins";

/**
 * The answer for requests whose project is not known yet (a preflight carries no header values):
 * an origin passes when at least one project accepts it, or when no project exists at all (an
 * auto-creating collector has nothing to restrict yet). The project list is cached for `ttlMs`.
 */
export class AnyProjectAllowlist {
  private cached: { at: number; lists: string[][] } | null = null;
  private loading: Promise<string[][]> | null = null;

  constructor(
    private readonly projects: ProjectRegistry,
    private readonly ttlMs: number,
  ) {}

  async accepts(origin: string): Promise<boolean> {
    const lists = await this.lists();
    return lists.length === 0 || lists.some((list) => originAccepted(list, origin));
  }

  private async lists(): Promise<string[][]> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.lists;
    // One read shared by concurrent callers when the cache is cold.
    this.loading ??= this.projects
      .list()
      .then((all) => {
        const lists = all.map((p) => p.allowedOrigins);
        this.cached = { at: Date.now(), lists };
        return lists;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
