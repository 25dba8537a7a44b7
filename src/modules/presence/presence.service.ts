import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { Redis } from '../../platform/redis';
import type { PresenceEvents } from './presence.events';

const REFRESH_MS = 10_000;
const TTL_MS = 30_000;
/** Users refreshed per round trip: thousands in one pipeline would hold Redis and the event loop at once. */
const CHUNK = 500;
const key = (userId: string) => `presence:user:${userId}`;

/**
 * Who is connected, agreed by every instance. A user is online while some instance holds an
 * authenticated WebSocket of theirs: each instance keeps a sorted set per user of the instances
 * holding one (score: expiry), refreshed every 10 s. A crashed instance simply stops refreshing,
 * and its entries expire within 30 s; no cleanup is needed.
 */
export class PresenceService {
  readonly instanceId = randomUUID();
  private readonly sockets = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly events: EventBus<PresenceEvents>,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.refresh([...this.sockets.keys()]), REFRESH_MS);
    this.timer.unref();
  }

  connected(userId: string): void {
    const sockets = (this.sockets.get(userId) ?? 0) + 1;
    this.sockets.set(userId, sockets);
    void this.refresh([userId]).then(async () => {
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
        await this.redis.zrem(key(userId), this.instanceId);
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
    return (await this.redis.zcount(key(userId), Date.now(), '+inf')) > 0;
  }

  /** Forgets this instance's sockets (graceful shutdown): the users are offline here at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const users = [...this.sockets.keys()];
    this.sockets.clear();
    if (users.length === 0) return;
    await Promise.all(users.map((userId) => this.redis.zrem(key(userId), this.instanceId))).catch((err: Error) => this.warn(err));
  }

  /** Expired entries need no removal: isOnline counts by expiry, and each key expires as a whole. */
  private async refresh(userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const expiry = Date.now() + TTL_MS;
      const writes = userIds.slice(i, i + CHUNK).flatMap((userId) => [this.redis.zadd(key(userId), expiry, this.instanceId), this.redis.pexpire(key(userId), TTL_MS)]);
      await Promise.all(writes).catch((err: Error) => this.warn(err));
    }
  }

  private warn(err: Error): void {
    this.logger.warn({ err: { message: err.message } }, 'presence not updated in Redis');
  }
}
