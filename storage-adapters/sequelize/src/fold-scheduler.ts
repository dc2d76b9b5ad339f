/**
 * When the heat journal is folded: driven by this process's writes, never by an idle timer. After
 * a commit, once the oldest journal row this process wrote and has not seen folded is `ageMs` old,
 * one fold runs (one at a time); when writes stop, one more fold runs `ageMs` after the last
 * commit. A fold that found the lock taken (another instance folding) leaves the rows pending, so
 * the next trigger tries again.
 */
export class FoldScheduler {
  private oldestUnfolded: number | undefined;
  private lastCommit = 0;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `fold` answers false when another folder held the lock and nothing was folded. */
  constructor(
    private readonly fold: () => Promise<boolean>,
    private readonly ageMs: number,
    private readonly report: (err: unknown) => void,
  ) {}

  /** A group transaction that appended to the journal has committed. */
  committed(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.lastCommit = now;
    this.oldestUnfolded ??= now;
    if (now - this.oldestUnfolded >= this.ageMs) this.start();
    this.arm(this.ageMs);
  }

  /** One fold now (in the background), e.g. at start-up for a crashed instance's leftovers. */
  start(): void {
    if (this.running || this.stopped) return;
    const since = this.oldestUnfolded;
    this.oldestUnfolded = undefined;
    this.running = this.fold()
      .then((folded) => {
        // Rows committed before this fold started are still there: try again later.
        if (!folded && since !== undefined) this.oldestUnfolded = Math.min(since, this.oldestUnfolded ?? since);
      })
      .catch((err: unknown) => {
        if (since !== undefined) this.oldestUnfolded = Math.min(since, this.oldestUnfolded ?? since);
        this.report(err);
      })
      .finally(() => {
        this.running = undefined;
        if (this.oldestUnfolded !== undefined) this.arm(this.ageMs);
      });
  }

  /** The idle check: a single timeout, armed only while there is something of ours to fold. */
  private arm(ms: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A fold under way re-arms when it ends.
      if (this.oldestUnfolded === undefined || this.running) return;
      const quiet = Date.now() - this.lastCommit;
      if (quiet >= this.ageMs) this.start();
      else this.arm(Math.max(1, this.ageMs - quiet));
    }, ms);
    this.timer.unref();
  }

  /** Waits for the fold under way, if any. */
  async idle(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
