import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { withTimeout } from '../async';
import type { Logger } from '../logger';
import type { Topic } from './topic';

/** A subscription Redis has not confirmed by then fails (UNAVAILABLE): the client retries. */
const LISTEN_TIMEOUT_MS = 3000;
/** While the pub/sub connection is down, open feeds are told to catch up from PostgreSQL this often. */
const RESYNC_WHILE_DOWN_MS = 3000;
/** Catch-ups of all feeds are spread over this long. */
const RESYNC_SPREAD_MS = 1000;

/**
 * Put into every open feed when messages may have been lost (the pub/sub connection came back,
 * or is still down): the reader catches up from PostgreSQL, where everything is written first.
 */
export const RESYNC = Symbol('resync');
export type Resync = typeof RESYNC;

/** A live feed of one topic: iterate it; `close()` (or breaking out of the loop) unsubscribes. */
export interface Feed<T> extends AsyncIterableIterator<T | Resync> {
  close(): void;
}

/**
 * Redis pub/sub between instances: the wake-up, never the record (events are in PostgreSQL
 * first). Channels carry REDIS_KEY_PREFIX, so deployments sharing a Redis do not hear each
 * other. Publishing never throws: a lost wake-up is repaired by replay from the database.
 */
export class PubSub {
  private readonly engine: RedisPubSub;
  private readonly clients: Redis[];
  /** The open feeds, each with a way to tell it to catch up. */
  private readonly feeds = new Set<() => void>();
  private downSince: number | null = null;
  private resyncTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    // Auto-pipelining: the publishes of one change (an event, its alerts) leave in one write.
    const publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 1000, enableAutoPipelining: true });
    const subscriber = new Redis(url, { connectTimeout: 2000, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
    for (const client of [publisher, subscriber]) client.on('error', () => undefined); // reported through failed calls
    this.clients = [publisher, subscriber];
    this.engine = new RedisPubSub({ publisher, subscriber });
    // Redis pub/sub forgets what it could not deliver: whatever was published while this instance
    // was not listening is gone from Redis, but not from PostgreSQL.
    subscriber.on('close', () => this.connectionLost());
    subscriber.on('ready', () => this.connectionBack(subscriber));
  }

  private connectionLost(): void {
    if (this.downSince !== null || this.closing) return;
    this.downSince = Date.now();
    this.logger.warn('pub/sub connection lost; open subscriptions catch up from PostgreSQL until it is back');
    clearInterval(this.resyncTimer);
    this.resyncTimer = setInterval(() => this.resyncAll(), RESYNC_WHILE_DOWN_MS);
    this.resyncTimer.unref();
  }

  private connectionBack(subscriber: Redis): void {
    if (this.downSince === null) return;
    this.logger.info({ downMs: Date.now() - this.downSince }, 'pub/sub connection back; open subscriptions catch up');
    this.downSince = null;
    clearInterval(this.resyncTimer);
    this.resyncAll();
    // ioredis announces 'ready' just before it sends the SUBSCRIBEs again: a PING sent after them
    // is answered once Redis has taken them, and from then on nothing published is missed. Catch
    // up once more then, for what was published in between.
    setImmediate(() => void subscriber.ping().then(() => this.resyncAll(), () => undefined));
  }

  /**
   * Tells every open feed to catch up, spread over RESYNC_SPREAD_MS: thousands of subscriptions reading
   * PostgreSQL in the same instant would exhaust the pool.
   */
  private resyncAll(): void {
    for (const resync of this.feeds) setTimeout(resync, Math.random() * RESYNC_SPREAD_MS).unref();
  }

  /** Publishes to one instance of a topic (`key`: the SOS, the conversation), or to the whole topic with null. */
  async publish<T>(topic: Topic<T>, key: string | null, payload: T): Promise<void> {
    const channel = topic.channel(key);
    try {
      await this.engine.publish(this.prefix + channel, payload);
    } catch (err) {
      this.logger.warn({ topic: channel, err: { message: (err as Error).message } }, 'publish failed; subscribers catch up by replay');
    }
  }

  /**
   * Subscribes and resolves once Redis has confirmed the subscription, so whatever is published
   * from then on is in the feed: a caller that replays from the database after this misses
   * nothing in between.
   */
  async listen<T>(topic: Topic<T>, key: string | null): Promise<Feed<T>> {
    const buffered: (T | Resync)[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const subscribing = this.engine.subscribe(this.prefix + topic.channel(key), (message: unknown) => {
      buffered.push(topic.decode(message));
      wake?.();
    });
    const id = await withTimeout(subscribing, LISTEN_TIMEOUT_MS, 'subscribing to live updates').catch((err: unknown) => {
      // Redis may confirm after we gave up: drop that subscription then, or it would listen (and buffer) for good.
      void subscribing.then((late) => this.engine.unsubscribe(late), () => undefined);
      throw err;
    });
    const resync = () => {
      if (closed || buffered.at(-1) === RESYNC) return;
      buffered.push(RESYNC);
      wake?.();
    };
    this.feeds.add(resync);
    const close = () => {
      if (closed) return;
      closed = true;
      this.feeds.delete(resync);
      this.engine.unsubscribe(id);
      wake?.();
    };
    const feed: Feed<T> = {
      close,
      async next(): Promise<IteratorResult<T | Resync>> {
        while (buffered.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
        if (buffered.length > 0) return { done: false, value: buffered.shift()! };
        return { done: true, value: undefined };
      },
      async return(): Promise<IteratorResult<T | Resync>> {
        close();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return feed;
      },
    };
    return feed;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.resyncTimer);
    await Promise.allSettled(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
  }
}

/**
 * A generator reading a feed, whose `return()` closes the feed first. A generator waiting in
 * `await feed.next()` (or never started) would otherwise run its `finally` only when the next
 * message arrives, perhaps never, and the Redis subscription would stay behind.
 */
export function closingFeed<T>(feed: Feed<unknown>, generator: AsyncGenerator<T>): AsyncGenerator<T> {
  return {
    next: (...args) => generator.next(...args),
    throw: (err) => {
      feed.close();
      return generator.throw(err);
    },
    return: (value) => {
      feed.close();
      return generator.return(value);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<T>;
}
