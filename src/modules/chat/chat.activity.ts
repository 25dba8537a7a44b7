import type { Context } from '../../platform/auth';
import { RESYNC, closingFeed, type Feed, type PubSub } from '../../platform/pubsub';
import type { Redis } from '../../platform/redis';
import type { PresenceEvents, PresenceService } from '../presence';
import type { ChatRepository } from './chat.repository';
import { chatTopics } from './chat.topics';
import { ActivityKind } from './types/conversation-activity.type';

export interface ActivityRow {
  conversationId: string;
  userId: string;
  kind: ActivityKind;
  messageId: string | null;
  at: Date;
}

const typingKey = (conversationId: string, userId: string) => `typing:${conversationId}:${userId}`;

/**
 * Ephemeral goings-on of a conversation: typing (never stored; it lapses by itself), read
 * receipts as they move, and participants coming online or going offline.
 */
export class ChatActivity {
  private readonly lapses = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repository: ChatRepository,
    private readonly pubsub: PubSub,
    private readonly redis: Redis,
    private readonly presence: PresenceService,
    /** Typing that is not renewed within this long has stopped. */
    private readonly lapseMs: number,
  ) {}

  /**
   * TYPING now, and STOPPED_TYPING when asked or when no renewal came in time. The
   * last renewal is kept in Redis so a renewal on another instance keeps this one's timer quiet.
   */
  /** Those of `userIds` with no app open (no socket on any instance); all of them if presence cannot say. */
  async offline(userIds: readonly string[]): Promise<string[]> {
    const online = await Promise.all(userIds.map((id) => this.presence.isOnline(id).catch(() => false)));
    return userIds.filter((_, i) => !online[i]);
  }

  async typing(conversationId: string, userId: string, typing: boolean): Promise<void> {
    const key = `${conversationId}:${userId}`;
    clearTimeout(this.lapses.get(key));
    this.lapses.delete(key);
    if (!typing) {
      await this.redis.del(typingKey(conversationId, userId)).catch(() => undefined);
      return this.publish(conversationId, userId, ActivityKind.STOPPED_TYPING);
    }
    await this.redis.set(typingKey(conversationId, userId), String(Date.now()), 'PX', this.lapseMs * 2).catch(() => undefined);
    const timer = setTimeout(() => void this.lapse(conversationId, userId), this.lapseMs);
    timer.unref();
    this.lapses.set(key, timer);
    await this.publish(conversationId, userId, ActivityKind.TYPING);
  }

  read(conversationId: string, userId: string, messageId: string): Promise<void> {
    return this.publish(conversationId, userId, ActivityKind.READ, messageId);
  }

  /** For a participant: who is online now, then everything as it happens, while they take part. */
  async feed(ctx: Context, conversationId: string): Promise<AsyncIterable<ActivityRow>> {
    const feed = await this.pubsub.listen(chatTopics.activity, conversationId);
    return closingFeed(feed, this.snapshotThenLive(ctx.tokenUserId!, conversationId, feed));
  }

  close(): void {
    for (const timer of this.lapses.values()) clearTimeout(timer);
    this.lapses.clear();
  }

  private async *snapshotThenLive(viewerId: string, conversationId: string, feed: Feed<ActivityRow>): AsyncGenerator<ActivityRow> {
    try {
      for (const { userId } of await this.repository.participants([conversationId])) {
        if (await this.presence.isOnline(userId)) yield { conversationId, userId, kind: ActivityKind.ONLINE, messageId: null, at: new Date() };
      }
      for await (const activity of feed) {
        // Typing and presence are not stored: there is nothing to catch up on.
        if (activity === RESYNC) continue;
        if (!(await this.repository.participants([conversationId])).some((p) => p.userId === viewerId)) return;
        yield activity;
      }
    } finally {
      feed.close();
    }
  }

  private async lapse(conversationId: string, userId: string): Promise<void> {
    this.lapses.delete(`${conversationId}:${userId}`);
    const renewed = await this.redis.get(typingKey(conversationId, userId)).catch(() => null);
    if (renewed && Date.now() - Number(renewed) < this.lapseMs) return;
    await this.publish(conversationId, userId, ActivityKind.STOPPED_TYPING);
  }

  /** A participant came online or went offline: every conversation they take part in is told. */
  async presenceChanged({ userId, online }: PresenceEvents['presence.changed']): Promise<void> {
    const conversations = await this.repository.conversationIdsOf(userId);
    await Promise.all(conversations.map((id) => this.publish(id, userId, online ? ActivityKind.ONLINE : ActivityKind.OFFLINE)));
  }

  private publish(conversationId: string, userId: string, kind: ActivityKind, messageId: string | null = null): Promise<void> {
    return this.pubsub.publish(chatTopics.activity, conversationId, { conversationId, userId, kind, messageId, at: new Date() });
  }
}
