import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { Redis } from '../../platform/redis';
import type { PresenceEvents } from './presence.events';

const HEARTBEAT_MS = 10_000;
/** An instance silent this long (crashed, or cut off from Redis) holds nobody's presence any more. */
const HEARTBEAT_TTL_MS = 30_000;
/** A user's set of instances outlives its last write this long; renewed while they stay connected. */
const USER_TTL_MS = 24 * 3600_000;
const RENEW_USERS_MS = 3600_000;
/** Users written per round of commands: thousands at once would hold Redis and the event loop. */
const CHUNK = 500;
const userKey = (userId: string) => `presence:user:${userId}`;
const heartbeatKey = (instanceId: string) => `presence:instance:${instanceId}`;

/**
 * Who is connected, agreed by every instance. A user is online while a live instance holds an
 * authenticated WebSocket of theirs: each user has a set of the instances holding one, and each
 * instance a heartbeat that expires 30 s after its last beat (every 10 s). A crashed instance
 * stops beating, and the users it held are offline once its heartbeat has expired; its entries
 * go when next read. So the steady cost is one write per instance every 10 s, not one per
 * connected user (at 5,000 sockets those took a few per cent of a core at rest).
 */
export class PresenceService {
  readonly instanceId = randomUUID();
  private readonly sockets = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[];

  constructor(
    private readonly redis: Redis,
    private readonly events: EventBus<PresenceEvents>,
    private readonly logger: Logger,
  ) {
    void this.beat();
    this.timers = [setInterval(() => void this.beat(), HEARTBEAT_MS), setInterval(() => void this.write([...this.sockets.keys()]), RENEW_USERS_MS)];
    for (const timer of this.timers) timer.unref();
  }

  connected(userId: string): void {
    const sockets = (this.sockets.get(userId) ?? 0) + 1;
    this.sockets.set(userId, sockets);
    void this.write([userId]).then(async () => {
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
    const instances = (await this.redis.zrange(userKey(userId), 0, -1)).filter((id) => id !== this.instanceId);
    const alive = await Promise.all(instances.map(async (id) => (await this.redis.exists(heartbeatKey(id))) === 1));
    const dead = instances.filter((_, i) => !alive[i]);
    if (dead.length > 0) void this.redis.zrem(userKey(userId), ...dead).catch((err: Error) => this.warn(err));
    return alive.includes(true);
  }

  /** Forgets this instance's sockets (graceful shutdown): the users are offline here at once. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const users = [...this.sockets.keys()];
    this.sockets.clear();
    await Promise.all([this.redis.del(heartbeatKey(this.instanceId)), ...users.map((userId) => this.redis.zrem(userKey(userId), this.instanceId))]).catch((err: Error) => this.warn(err));
  }

  /**
   * The heartbeat. A heartbeat found missing (Redis restarted empty, or this instance was cut off
   * longer than its lifetime) means the users' sets may be gone too: they are written again.
   */
  private async beat(): Promise<void> {
    try {
      const before = await this.redis.set(heartbeatKey(this.instanceId), '1', 'PX', HEARTBEAT_TTL_MS, 'GET');
      if (before === null) await this.write([...this.sockets.keys()]);
    } catch (err) {
      this.warn(err as Error);
    }
  }

  private async write(userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const writes = userIds.slice(i, i + CHUNK).flatMap((userId) => [this.redis.zadd(userKey(userId), Date.now(), this.instanceId), this.redis.pexpire(userKey(userId), USER_TTL_MS)]);
      await Promise.all(writes).catch((err: Error) => this.warn(err));
    }
  }

  private warn(err: Error): void {
    this.logger.warn({ err: { message: err.message } }, 'presence not updated in Redis');
  }
}
