export interface JetStreamBufferOptions {
  /** NATS server(s), e.g. "nats://127.0.0.1:4222" or a cluster's list. */
  servers: string | string[];
  /** Stream name. Default "HEAT_INGEST". */
  stream?: string;
  /** Subject batches are published on. Default "heat.ingest". */
  subject?: string;
  /** Durable consumer shared by every instance's writer. Default "heat-writer". */
  durable?: string;
  /** Copies of the stream (and its consumer) on the cluster's servers, set when the stream is created (an existing
   * stream keeps its own). 3 in a cluster of 3 or more: a batch is acknowledged once two hold it, and losing a node
   * loses nothing. Above 1 needs a cluster. Default 1. */
  replicas?: number;
  /** Longest wait for the stream to confirm a batch before answering 503 storage_unavailable. Default 2 000 ms. */
  publishTimeoutMs?: number;
  /** Run a writer in this process. Default true (false: publish only, with writers elsewhere). */
  consume?: boolean;
  /** Messages (batches) fetched per group. Default 100. */
  groupMessages?: number;
  /** Most events in one storage write; a group is cut into writes of whole batches. Default 2 000. */
  maxEventsPerWrite?: number;
  /** A group not acknowledged within this (its writer died) is delivered again. Default 30 000 ms. */
  ackWaitMs?: number;
  /** Wait before a group whose write failed is tried again. Default 1 000 ms. */
  retryDelayMs?: number;
  /** Window in which a batch published twice (same events) is kept once by the stream. Default 120 000 ms. */
  duplicateWindowMs?: number;
}

export type ResolvedOptions = Required<JetStreamBufferOptions>;

export function resolveOptions(o: JetStreamBufferOptions): ResolvedOptions {
  return {
    servers: o.servers,
    stream: o.stream ?? "HEAT_INGEST",
    subject: o.subject ?? "heat.ingest",
    durable: o.durable ?? "heat-writer",
    replicas: o.replicas ?? 1,
    publishTimeoutMs: o.publishTimeoutMs ?? 2_000,
    consume: o.consume ?? true,
    groupMessages: o.groupMessages ?? 100,
    maxEventsPerWrite: o.maxEventsPerWrite ?? 2_000,
    ackWaitMs: o.ackWaitMs ?? 30_000,
    retryDelayMs: o.retryDelayMs ?? 1_000,
    duplicateWindowMs: o.duplicateWindowMs ?? 120_000,
  };
}
