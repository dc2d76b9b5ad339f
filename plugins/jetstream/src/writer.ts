import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { KernelApi, WriteBatch } from "@m-software-engineering/heat-collector-kernel";
import type { ResolvedOptions } from "./options";
import { writeGroups } from "./merge-batches";

/**
 * Drains the stream into the storage: fetch a group of batches, write them merged (per project, in
 * writes of whole batches), acknowledge them only once every write committed. A failed write naks the
 * group for later; a writer killed mid-group never acknowledged it, so the stream delivers it again
 * after ackWait. Either way events are stored once: the storage keys them by (project, session, id).
 */
export class StreamWriter {
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly kernel: KernelApi,
    private readonly consumer: Consumer,
    private readonly options: ResolvedOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops fetching and waits for the group being written. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const group = await this.fetch();
      if (group.length > 0) await this.write(group);
    }
  }

  private async fetch(): Promise<JsMsg[]> {
    const group: JsMsg[] = [];
    try {
      const messages = await this.consumer.fetch({ max_messages: this.options.groupMessages, expires: 1_000 });
      for await (const m of messages) group.push(m);
    } catch (err) {
      this.kernel.logger.warn("jetstream: fetch failed", { error: err instanceof Error ? err.message : String(err) });
      await sleep(this.options.retryDelayMs);
    }
    return group;
  }

  private async write(group: JsMsg[]): Promise<void> {
    try {
      for (const batch of writeGroups(group.map((m) => m.json<WriteBatch>()), this.options.maxEventsPerWrite)) {
        await this.kernel.storageGuard.run("write", () => this.kernel.storage.writeBatch(batch));
      }
      for (const m of group) m.ack();
    } catch {
      // The guard logged the cause. Deliver the group again later; what was committed is recognised then.
      for (const m of group) m.nak(this.options.retryDelayMs);
      await sleep(this.options.retryDelayMs);
    }
  }
}
