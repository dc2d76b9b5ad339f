import type { StorageAdapter } from "../storage/adapter";
import type { StorageGuard } from "./storage-guard";

/** An id no project is given by the collector (generated ids start with `prj_`); the answer is never used. */
const PROBE_PROJECT_ID = "heat-collector:readyz";

/**
 * The storage half of GET /readyz: one primary-key read through the guard, within `timeoutMs`.
 * Any adapter answers it (no extra contract), and probes that arrive while one runs share it, so a
 * fleet of load-balancer checks costs one query at a time.
 */
export class ReadinessProbe {
  private running: Promise<void> | null = null;

  constructor(
    private readonly storage: () => StorageAdapter,
    private readonly guard: StorageGuard,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves when the storage answered; rejects with `storage_unavailable` otherwise. */
  check(): Promise<void> {
    this.running ??= this.guard
      .run("probe", () => this.storage().getProject(PROBE_PROJECT_ID), this.timeoutMs)
      .then(() => undefined)
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
