/**
 * Counts work that close() must let finish: requests being answered and storage calls still running
 * (a call the kernel stopped waiting for may still hold a connection). `idle` resolves when none is
 * left, or false once the deadline passes.
 */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  /** Counts `work` until it settles; its result and error pass through unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    const leave = () => {
      if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    };
    work.then(leave, leave);
    return work;
  }

  /** True once nothing is in flight; false if `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
