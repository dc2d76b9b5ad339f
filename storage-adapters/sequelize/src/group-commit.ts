/** How batches are grouped into transactions. */
export interface GroupCommitOptions {
  /** Group transactions in flight at once per process: while one commits, the next runs its statements. Default 2. */
  concurrency?: number;
  /** Most batches in one group. Default 64. */
  maxBatches?: number;
  /** Most events in one group (a group takes at least one batch, whatever its size). Default 5,000. */
  maxEvents?: number;
}

interface Waiting<B, R> {
  batch: B;
  resolve(r: R): void;
  reject(err: unknown): void;
}

/**
 * Runs a group's transaction; calls `statementsDone` once its statements have run and only COMMIT
 * is left, and answers per batch, in order, a result or an Error.
 */
export type CommitFn<B, R> = (group: readonly B[], statementsDone: () => void) => Promise<ReadonlyArray<R | Error>>;

/**
 * Group commit: `submit` queues a batch; a group takes every batch queued when it starts (within
 * the bounds). At most one group runs its statements at a time and up to `concurrency` are in
 * flight: the next group starts when the one before it is down to its COMMIT, so it takes what
 * queued meanwhile. (Starting whenever a slot was free made one group of 19 batches alternate with
 * groups of 1.) One refused batch fails alone; a rejection of `commit` itself fails the group.
 */
export class GroupCommit<B extends { events: readonly unknown[] }, R> {
  private readonly queue: Array<Waiting<B, R>> = [];
  private running = 0;
  /** A group is running its statements: the next one waits for its COMMIT. */
  private forming = false;
  private readonly idle: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly maxBatches: number;
  private readonly maxEvents: number;

  constructor(
    private readonly commit: CommitFn<B, R>,
    options: GroupCommitOptions = {},
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
    this.maxBatches = Math.max(1, Math.floor(options.maxBatches ?? 64));
    this.maxEvents = Math.max(1, Math.floor(options.maxEvents ?? 5000));
  }

  submit(batch: B): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once nothing is queued or committing. */
  settled(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private take(): Array<Waiting<B, R>> {
    let events = 0;
    let n = 0;
    while (n < this.queue.length && n < this.maxBatches) {
      const size = this.queue[n]!.batch.events.length;
      if (n > 0 && events + size > this.maxEvents) break;
      events += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private pump(): void {
    if (this.forming || this.running >= this.concurrency || this.queue.length === 0) return;
    const group = this.take();
    this.running++;
    this.forming = true;
    void this.run(group);
  }

  private async run(group: Array<Waiting<B, R>>): Promise<void> {
    let formed = false;
    const statementsDone = () => {
      if (formed) return;
      formed = true;
      this.forming = false;
      this.pump();
    };
    try {
      const results = await this.commit(
        group.map((w) => w.batch),
        statementsDone,
      );
      group.forEach((w, i) => {
        const r = results[i];
        if (r instanceof Error) w.reject(r);
        else w.resolve(r as R);
      });
    } catch (err) {
      for (const w of group) w.reject(err);
    } finally {
      // The slot frees once the callers' continuations have run: a caller answered by this group
      // usually sends its next batch at once, and that batch should join the next group rather than
      // start a group of one.
      setImmediate(() => {
        this.running--;
        if (!formed) {
          formed = true;
          this.forming = false;
        }
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }
}
