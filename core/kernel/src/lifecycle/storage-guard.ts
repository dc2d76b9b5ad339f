import { CollectorError } from "../errors";
import type { Logger } from "../logger";
import type { InFlight } from "./in-flight";

/** What the kernel asked the storage for: a batch write, a key or project lookup, a readiness probe. */
export type StorageOp = "write" | "lookup" | "probe";

/** One storage call as the `storageCall` hook reports it. */
export interface StorageCallReport {
  op: StorageOp;
  durationMs: number;
  /** `timeout`: the call took longer than `storageTimeoutMs`; the kernel answered without it. */
  outcome: "ok" | "error" | "timeout";
  error?: unknown;
}

/** Seconds a client is asked to wait after `storage_unavailable` (heat-sdk 0.2.6 ignores it and backs off alone). */
export const STORAGE_RETRY_AFTER_SEC = 5;

export function storageUnavailable(message: string): CollectorError {
  return new CollectorError("storage_unavailable", message, { headers: { "Retry-After": String(STORAGE_RETRY_AFTER_SEC) } });
}

class StorageTimeout extends Error {
  constructor(op: StorageOp, ms: number) {
    super(`storage ${op} took longer than ${ms} ms`);
    this.name = "StorageTimeout";
  }
}

/**
 * Every storage call on the request path goes through here, so that a database that is down or
 * stalled costs a client a bounded wait and a `503 storage_unavailable` with Retry-After, never a
 * 500 or a hang. A call that times out keeps running (it may still commit: a retry is then a
 * duplicate, never a loss) and stays counted in flight, so close() waits for it before closing pools.
 */
export class StorageGuard {
  constructor(
    private readonly options: {
      timeoutMs: number;
      logger: Logger;
      inFlight: InFlight;
      report: (call: StorageCallReport) => void;
    },
  ) {}

  async run<T>(op: StorageOp, call: () => Promise<T>, timeoutMs = this.options.timeoutMs): Promise<T> {
    const started = performance.now();
    const work = this.options.inFlight.track(call());
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StorageTimeout(op, timeoutMs)), timeoutMs);
    });
    try {
      const value = await Promise.race([work, deadline]);
      this.options.report({ op, durationMs: performance.now() - started, outcome: "ok" });
      return value;
    } catch (error) {
      const outcome = error instanceof StorageTimeout ? "timeout" : "error";
      this.options.report({ op, durationMs: performance.now() - started, outcome, error });
      // A failing probe is the load balancer's business (it stops routing here); a failing request is the on-call's.
      this.options.logger.log(op === "probe" ? "warn" : "error", `storage ${op} failed`, { outcome, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      throw storageUnavailable(
        op === "write"
          ? "The batch could not be confirmed stored. Retry it later: events already stored are recognised, never stored twice."
          : "The storage did not answer. Retry later.",
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
