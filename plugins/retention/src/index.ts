import type { CollectorPlugin } from "@m-software-engineering/heat-collector-kernel";

export interface RetentionOptions {
  /** Events older than this many days are deleted. */
  days: number;
  /** How often to purge (ms). Default one hour; the first purge runs at start. */
  intervalMs?: number;
}

const DAY_MS = 86_400_000;

/** Deletes events, sessions and rollup periods older than `days`, at start and then on a timer. */
export function retention(options: RetentionOptions): CollectorPlugin {
  if (!(options.days > 0)) throw new Error("retention: days must be > 0");
  return {
    name: "retention",
    apply(kernel) {
      let timer: NodeJS.Timeout | undefined;
      const purge = async () => {
        const cutoff = Date.now() - options.days * DAY_MS;
        try {
          const done = await kernel.storage.purgeBefore(cutoff);
          if (done.events > 0 || done.sessions > 0) kernel.logger.info("retention purge", { ...done, before: new Date(cutoff).toISOString() });
        } catch (err) {
          kernel.logger.error("retention purge failed", { error: String(err) });
        }
      };
      kernel.hooks.startup.tapPromise("retention", async () => {
        await purge();
        timer = setInterval(() => void purge(), options.intervalMs ?? 3_600_000);
        timer.unref();
      });
      kernel.hooks.shutdown.tap("retention", () => clearInterval(timer));
    },
  };
}
