import { createHash } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient } from "@nats-io/jetstream";
import { storageUnavailable, type CollectorPlugin, type KernelApi, type WriteBatch } from "@m-software-engineering/heat-collector-kernel";
import { resolveOptions, type JetStreamBufferOptions, type ResolvedOptions } from "./options";
import { StreamWriter } from "./writer";

export type { JetStreamBufferOptions } from "./options";
export { mergeBatches, writeGroups } from "./merge-batches";

const nanos = (ms: number) => ms * 1_000_000;

/** The stream keeps a batch once within the duplicate window: same project, same events. */
function batchId(batch: WriteBatch): string {
  const h = createHash("sha256").update(batch.projectId);
  for (const e of batch.events) h.update(`\u0000${e.sessionId}\u0000${e.eventId}`);
  return h.digest("base64url");
}

/** Creates the stream and the durable consumer, or leaves them as they are when they exist. */
async function ensureStream(nc: NatsConnection, o: ResolvedOptions): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const exists = await jsm.streams.info(o.stream).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await jsm.streams.add({
      name: o.stream,
      subjects: [o.subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Workqueue,
      num_replicas: o.replicas,
      duplicate_window: nanos(o.duplicateWindowMs),
    });
  }
  const consumerExists = await jsm.consumers.info(o.stream, o.durable).then(
    () => true,
    () => false,
  );
  if (!consumerExists) {
    await jsm.consumers.add(o.stream, {
      durable_name: o.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(o.ackWaitMs),
      max_ack_pending: 20_000,
    });
  }
}

/**
 * A durable ingest buffer on NATS JetStream. A checked batch is acknowledged (200, `buffered`) once the
 * stream has persisted it; writers (in every instance unless `consume: false`) move it to the storage
 * in groups. A database outage is then invisible to browsers; an unreachable NATS answers 503.
 */
export function jetstreamBuffer(options: JetStreamBufferOptions): CollectorPlugin {
  const o = resolveOptions(options);
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let writer: StreamWriter | undefined;

  const publish = async (kernel: KernelApi, batch: WriteBatch) => {
    if (!js) throw new Error("jetstream buffer used before startup");
    try {
      await js.publish(o.subject, JSON.stringify(batch), { msgID: batchId(batch), timeout: o.publishTimeoutMs });
      return true as const;
    } catch (err) {
      kernel.logger.error("jetstream: publish failed", { error: err instanceof Error ? err.message : String(err) });
      return storageUnavailable("The batch could not be queued. Retry later.");
    }
  };

  return {
    name: "jetstream",
    kernel: "^0.1.0",
    apply(kernel) {
      kernel.hooks.startup.tapPromise("jetstream", async () => {
        nc = await connect({ servers: o.servers, name: "heat-collector", maxReconnectAttempts: -1 });
        await ensureStream(nc, o);
        js = jetstream(nc);
        if (o.consume) {
          writer = new StreamWriter(kernel, await js.consumers.get(o.stream, o.durable), o);
          writer.start();
        }
      });
      kernel.hooks.bufferBatch.tapPromise("jetstream", (batch) => publish(kernel, batch));
      kernel.hooks.shutdown.tapPromise("jetstream", async () => {
        await writer?.stop();
        await nc?.drain();
      });
    },
  };
}
