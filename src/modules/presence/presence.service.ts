import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { Redis } from '../../platform/redis';
import type { PresenceEvents } from './presence.events';

const HEARTBEAT_MS = 10_000;
/** An instance silent this long (crashed, or cut off from Redis) holds nobody's presence any more. */
const HEARTBEAT_TTL_MS = 30_000;
/**
 * Each instance writes all its users again this often, so that a write lost to a Redis hiccup, or
 * sets lost while the heartbeat survived (a failover to a replica behind, eviction), are repaired
 * within a minute. A user's set outlives its last write long enough to be renewed.
 */
const RENEW_USERS_MS = 60_000;
const USER_TTL_MS = 10 * RENEW_USERS_MS;
/** Users written per round of commands: thousands at once would hold Redis and the event loop. */
const CHUNK = 500;
const userKey = (userId: string) => `presence:user:${userId}`;
const heartbeatKey = (instanceId: string) => `presence:instance:${instanceId}`;

/**
 * Who is connected, agreed by every instance. A user is online while a live instance holds an
 * authenticated WebSocket of theirs: each user has a set of the instances holding one, and each
 * instance a heartbeat that expires 30 s after its last beat (every 10 s). A crashed instance
 * stops beating, and the users it held are offline once its heartbeat has expired; its entries
 * expire with the set. So the steady cost is a write per instance every 10 s and one per user a
 * minute, not one per user every 10 s (at 5,000 sockets those took 1 % of a core at rest).
 */
export class PresenceService {
  readonly instanceId = randomUUID();
  private readonly sockets = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[];
  /** Users gone from here whose entry Redis did not take out: removed at the next beat. */
  private readonly leftBehind = new Set<string>();
  /** A write that failed: every user is written again at the next beat. */
  private dirty = false;
  private closed = false;
  /** The first heartbeat, written when the first socket comes: a process that holds none (a script) writes nothing. */
  private started?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly events: EventBus<PresenceEvents>,
    private readonly logger: Logger,
  ) {
    // Nothing to renew before the first socket.
    const ifStarted = (work: () => Promise<void>) => () => {
      if (this.started) void work();
    };
    this.timers = [setInterval(ifStarted(() => this.beat()), HEARTBEAT_MS), setInterval(ifStarted(() => this.writeAll()), RENEW_USERS_MS)];
    for (const timer of this.timers) timer.unref();
  }

  connected(userId: string): void {
    const sockets = (this.sockets.get(userId) ?? 0) + 1;
    this.sockets.set(userId, sockets);
    this.started ??= this.beat();
    void this.started.then(() => this.write([userId])).then(async () => {
      if (sockets === 1) await this.announce(userId, true);
    });
  }

  disconnected(userId: string): void {
    const left = (this.sockets.get(userId) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(userId, left);
      return;
    }
    this.sockets.delete(userId);
    // Offline only when no instance holds a socket of theirs any more.
    void (async () => {
      try {
        await this.redis.zrem(userKey(userId), this.instanceId);
      } catch (err) {
        this.leftBehind.add(userId);
        return this.warn(err as Error);
      }
      try {
        if (!(await this.isOnline(userId))) await this.announce(userId, false);
      } catch (err) {
        this.warn(err as Error);
      }
    })();
  }

  private announce(userId: string, online: boolean): Promise<void> {
    return this.events.emit('presence.changed', { userId, online, at: new Date() });
  }

  async isOnline(userId: string): Promise<boolean> {
    if (this.sockets.has(userId)) return true;
    // Entries of instances that died stay until the set expires: removing them here could undo
    // the rewrite of an instance that was only cut off, and is beating again.
    const instances = (await this.redis.zrange(userKey(userId), 0, -1)).filter((id) => id !== this.instanceId);
    const alive = await Promise.all(instances.map(async (id) => (await this.redis.exists(heartbeatKey(id))) === 1));
    return alive.includes(true);
  }

  /** Forgets this instance's sockets (graceful shutdown): the users are offline here at once. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    if (!this.started) return; // never held a socket: nothing of it is in Redis
    const users = [...this.sockets.keys()];
    this.sockets.clear();
    await Promise.all([this.redis.del(heartbeatKey(this.instanceId)), ...users.map((userId) => this.redis.zrem(userKey(userId), this.instanceId))]).catch((err: Error) => this.warn(err));
  }

  /**
   * The heartbeat. One found missing (Redis restarted empty, or this instance was cut off longer
   * than its lifetime) means the users' sets may be gone too, as after a write that failed: every
   * user is written again. Entries Redis did not take out are tried again.
   */
  private async beat(): Promise<void> {
    if (this.closed) return;
    try {
      const before = await this.redis.set(heartbeatKey(this.instanceId), '1', 'PX', HEARTBEAT_TTL_MS, 'GET');
      if (before === null || this.dirty) await this.writeAll();
      for (const userId of this.leftBehind) {
        if (this.sockets.has(userId)) this.leftBehind.delete(userId);
        else await this.redis.zrem(userKey(userId), this.instanceId).then(() => this.leftBehind.delete(userId));
      }
    } catch (err) {
      this.warn(err as Error);
    }
  }

  private writeAll(): Promise<void> {
    this.dirty = false;
    return this.write([...this.sockets.keys()]);
  }

  private async write(userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length && !this.closed; i += CHUNK) {
      const writes = userIds.slice(i, i + CHUNK).flatMap((userId) => [this.redis.zadd(userKey(userId), Date.now(), this.instanceId), this.redis.pexpire(userKey(userId), USER_TTL_MS)]);
      await Promise.all(writes).catch((err: Error) => {
        this.dirty = true;
        this.warn(err);
      });
    }
  }

  private warn(err: Error): void {
    this.logger.warn({ err: { message: err.message } }, 'presence not updated in Redis');
  }
}
