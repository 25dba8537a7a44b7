import { withTimeout } from '../async';
import type { Logger } from '../logger';
import { closeRedis, connectRedis, isCluster, type Redis, type RedisTarget } from '../redis';
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

/** A subscribed channel: its readers, and the subscription Redis confirms (or refuses). */
interface Channel {
  readers: Set<(message: unknown) => void>;
  subscribed: Promise<unknown>;
}

/**
 * The commands of plain pub/sub, and of sharded pub/sub (Redis 7), which a cluster needs: there a
 * message goes only to the node that owns its channel's slot instead of to every node.
 */
const PLAIN = { publish: 'publish', subscribe: 'subscribe', unsubscribe: 'unsubscribe', message: 'message' } as const;
const SHARDED = { publish: 'spublish', subscribe: 'ssubscribe', unsubscribe: 'sunsubscribe', message: 'smessage' } as const;

/**
 * Redis pub/sub between instances: the wake-up, never the record (events are in PostgreSQL
 * first). Channels carry REDIS_KEY_PREFIX, so deployments sharing a Redis do not hear each
 * other. Publishing never throws: a lost wake-up is repaired by replay from the database.
 */
export class PubSub {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly commands: typeof PLAIN | typeof SHARDED;
  private readonly channels = new Map<string, Channel>();
  /** The open feeds, each with a way to tell it to catch up. */
  private readonly feeds = new Set<() => void>();
  private downSince: number | null = null;
  private resyncTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    // Auto-pipelining: the publishes of one change (an event, its alerts) leave in one write.
    this.publisher = connectRedis(target, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 1000, enableAutoPipelining: true });
    this.subscriber = connectRedis(target, { connectTimeout: 2000, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) }, { shardedSubscribers: true });
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => undefined); // reported through failed calls
    this.commands = isCluster(target) ? SHARDED : PLAIN;
    this.subscriber.on(this.commands.message, (channel: string, message: string) => this.deliver(channel, message));
    // Redis pub/sub forgets what it could not deliver: whatever was published while this instance
    // was not listening is gone from Redis, but not from PostgreSQL.
    if (isCluster(target)) this.followClusterSubscribers();
    else this.followSubscriber();
  }

  private followSubscriber(): void {
    const subscriber = this.subscriber;
    subscriber.on('close', () => this.connectionLost());
    subscriber.on('ready', () => {
      if (!this.connectionBack()) return;
      // ioredis announces 'ready' just before it sends the SUBSCRIBEs again: a PING sent after
      // them is answered once Redis has taken them, and from then on nothing published is
      // missed. Catch up once more then, for what was published in between.
      setImmediate(() => void subscriber.ping().then(() => this.resyncAll(), () => undefined));
    });
  }

  /**
   * On a cluster ioredis keeps a subscriber connection per master. One that ended (its node died:
   * '-node' with the node's key; the pool's command connections say '-node' without one) or was
   * replaced (the topology changed: '-subscriber') may have missed messages. Once the topology is
   * known again ('subscribersReady', said even when a node could not be reached) ioredis sends the
   * subscriptions again without telling when they are taken: the API subscribes its channels
   * again itself and counts the connection as back only once every one is confirmed.
   */
  private followClusterSubscribers(): void {
    let round = 0;
    const lost = () => {
      round++;
      this.connectionLost();
    };
    this.subscriber.on('-node', (_node: unknown, nodeKey?: string) => {
      if (nodeKey !== undefined) lost();
    });
    this.subscriber.on('-subscriber', lost);
    this.subscriber.on('subscribersReady', () => {
      const current = ++round;
      const confirming = Promise.all([...this.channels.keys()].map((name) => this.subscriber[this.commands.subscribe](name)));
      withTimeout(confirming, LISTEN_TIMEOUT_MS, 'confirming subscriptions').then(
        () => {
          if (current !== round) return; // lost again meanwhile: the next round decides
          // Not lost at all (slots moved between nodes, whose channels Redis unsubscribes): feeds catch up all the same.
          if (!this.connectionBack()) this.resyncAll();
        },
        () => undefined, // still down: feeds keep catching up until a later round confirms
      );
    });
  }

  private deliver(channel: string, message: string): void {
    const readers = this.channels.get(channel)?.readers;
    if (!readers) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch {
      this.logger.warn({ channel }, 'pub/sub message is not JSON; dropped');
      return;
    }
    for (const read of readers) read(payload);
  }

  private connectionLost(): void {
    if (this.downSince !== null || this.closing) return;
    this.downSince = Date.now();
    this.logger.warn('pub/sub connection lost; open subscriptions catch up from PostgreSQL until it is back');
    clearInterval(this.resyncTimer);
    this.resyncTimer = setInterval(() => this.resyncAll(), RESYNC_WHILE_DOWN_MS);
    this.resyncTimer.unref();
  }

  /** Whether the connection was down (then every feed is told to catch up). */
  private connectionBack(): boolean {
    if (this.downSince === null) return false;
    this.logger.info({ downMs: Date.now() - this.downSince }, 'pub/sub connection back; open subscriptions catch up');
    this.downSince = null;
    clearInterval(this.resyncTimer);
    this.resyncAll();
    return true;
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
      await this.publisher[this.commands.publish](this.prefix + channel, JSON.stringify(payload));
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
    const channel = this.prefix + topic.channel(key);
    const read = (message: unknown) => {
      buffered.push(topic.decode(message));
      wake?.();
    };
    await withTimeout(this.subscribe(channel, read), LISTEN_TIMEOUT_MS, 'subscribing to live updates').catch((err: unknown) => {
      this.unsubscribe(channel, read);
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
      this.unsubscribe(channel, read);
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

  /**
   * Adds a reader to a channel, subscribing in Redis for its first one. Resolves once Redis has
   * confirmed; readers of a channel already subscribed wait for the same confirmation.
   */
  private subscribe(name: string, read: (message: unknown) => void): Promise<unknown> {
    let channel = this.channels.get(name);
    if (!channel) {
      // Refused, it stays until its readers, who all see the refusal, unsubscribe (which tells Redis too).
      channel = { readers: new Set(), subscribed: this.subscriber[this.commands.subscribe](name) };
      this.channels.set(name, channel);
    }
    channel.readers.add(read);
    return channel.subscribed;
  }

  /** Removes a reader; the channel's last one unsubscribes in Redis. */
  private unsubscribe(name: string, read: (message: unknown) => void): void {
    const channel = this.channels.get(name);
    if (!channel?.readers.delete(read) || channel.readers.size > 0) return;
    this.channels.delete(name);
    // Redis takes commands in order: a SUBSCRIBE for a new reader sent after this one wins.
    this.subscriber[this.commands.unsubscribe](name).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.resyncTimer);
    await Promise.allSettled([this.publisher, this.subscriber].map(closeRedis));
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
