/**
 * A subscription as an app keeps it: when its socket drops (or the test drops it), it subscribes
 * again from the last item it received (`afterSeq`, `after`), so nothing is missed and nothing
 * is shown twice. `drop()` cuts it on purpose; `received` is everything delivered, in order.
 */
export class Resumable<T> {
  readonly received: T[] = [];
  private current?: AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> };
  private stopped = false;
  private readonly running: Promise<void>;
  resubscriptions = 0;

  constructor(private readonly open: (last: T | undefined) => AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> }) {
    this.running = this.run();
  }

  /** Drops the subscription; it comes back at once from where it was. */
  async drop(): Promise<void> {
    await this.current?.return();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.return();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.current = this.open(this.received.at(-1));
      try {
        for await (const item of this.current) this.received.push(item);
      } catch {
        // A dropped socket, an instance gone: subscribe again (below), as the app would.
      }
      if (this.stopped) return;
      this.resubscriptions += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
