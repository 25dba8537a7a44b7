import { RESYNC, closingFeed, type Feed } from './pubsub';

/** Where a replayed stream reads what it has missed, and the rules it ends by. */
export interface ReplaySource<T> {
  /** Everything after `seq`, in seq order, from the record of truth (PostgreSQL). */
  after(seq: number): Promise<T[]>;
  seqOf(item: T): number;
  /** True for the item after which nothing more can come (an SOS that closed): the stream ends with it. */
  isLast?(item: T): boolean;
  /**
   * Asked once the replay is done: false when nothing more can come after what the database
   * holds now (the SOS closed). The stream then reads the database once more, up to the closing
   * item, and ends: what was buffered live meanwhile is in there too.
   */
  continues?(): Promise<boolean>;
  /** Asked before live items go out: false when the viewer may no longer follow, so the stream ends. */
  stillAllowed?(): Promise<boolean>;
  /** Called just before each item goes out (e.g. to drop what the subscription cached). */
  beforeEach?(item: T): void;
}

/**
 * Replay, then live, in order, with no gap and no duplicate. The caller subscribed to `feed`
 * before calling, so whatever is published during the replay is buffered there: live items
 * already replayed are skipped by seq, and a live item that skips ahead (a lost wake-up), or a
 * RESYNC (pub/sub was down), makes what is missing be read from the database. Closing the stream
 * closes the feed.
 */
export function replayThenLive<T>(feed: Feed<T>, from: number, source: ReplaySource<T>): AsyncGenerator<T> {
  return closingFeed(feed, replay(feed, from, source));
}

async function* replay<T>(feed: Feed<T>, from: number, source: ReplaySource<T>): AsyncGenerator<T> {
  let last = from;
  // Sends items in order; true once the last item there can be went out.
  function* deliver(items: readonly T[]): Generator<T, boolean> {
    for (const item of items) {
      source.beforeEach?.(item);
      yield item;
      last = source.seqOf(item);
      if (source.isLast?.(item)) return true;
    }
    return false;
  }
  try {
    if (yield* deliver(await source.after(last))) return;
    if (source.continues && !(await source.continues())) {
      yield* deliver(await source.after(last));
      return;
    }
    for await (const live of feed) {
      let batch: T[];
      if (live === RESYNC) {
        // Messages may have been lost (pub/sub was down): whatever the database has after `last`.
        batch = await source.after(last);
      } else {
        if (source.seqOf(live) <= last) continue;
        batch = source.seqOf(live) === last + 1 ? [live] : await source.after(last);
      }
      if (batch.length === 0) continue;
      if (source.stillAllowed && !(await source.stillAllowed())) return;
      if (yield* deliver(batch)) return;
    }
  } finally {
    feed.close();
  }
}
