import { signedIn, type Context } from '../../platform/auth';
import { AppError, badInput, notFound, rateLimited } from '../../platform/errors';
import { pageOf } from '../../platform/graphql/cursor';
import type { Sql, Tx } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { replayThenLive, type PubSub } from '../../platform/pubsub';
import type { FixedWindowLimiter } from '../../platform/rate-limit';
import { assertId } from '../../platform/validation';
import type { SosService } from '../sos';
import type { ActivityRow, ChatActivity } from './chat.activity';
import type { ChatEvents } from './chat.events';
import type { ChatLoaders } from './chat.loaders';
import type { ChatRepository, ConversationRow, MessageRow } from './chat.repository';
import { chatTopics } from './chat.topics';

export const BODY_MAX_LENGTH = 4000;
const PARTICIPATION_RECHECK_MS = 1000;

export interface ChatSettings {
  closeGraceHours: number;
}

export class ChatService {
  constructor(
    private readonly repository: ChatRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<ChatEvents>,
    private readonly sos: SosService,
    private readonly pubsub: PubSub,
    private readonly limiter: FixedWindowLimiter,
    private readonly loaders: () => ChatLoaders,
    private readonly activity: ChatActivity,
    private readonly settings: ChatSettings,
  ) {}

  /** A conversation the viewer takes part in; null otherwise (never FORBIDDEN: it may not exist). */
  async visible(ctx: Context, id: string): Promise<ConversationRow | null> {
    const conversation = await this.load(ctx).byId.load(assertId('id', id));
    return conversation && (await this.isParticipant(ctx, conversation.id)) ? conversation : null;
  }

  async ofSos(ctx: Context, sosId: string): Promise<ConversationRow | null> {
    const conversation = await this.load(ctx).bySos.load(sosId);
    return conversation && (await this.isParticipant(ctx, conversation.id)) ? conversation : null;
  }

  /** Staff join the conversation of an SOS they oversee. */
  async joinSos(ctx: Context, sosId: string): Promise<ConversationRow> {
    const userId = signedIn(ctx);
    const sos = await this.sos.visible(ctx, sosId);
    const conversation = sos && (await this.load(ctx).bySos.load(sos.id));
    if (!conversation) throw notFound('Conversation of that SOS');
    await this.repository.join(conversation.id, userId);
    this.load(ctx).participants.clear(conversation.id);
    return conversation;
  }

  /**
   * Persists, then publishes. A retry with the same clientMessageId returns the message sent
   * the first time (and publishes nothing new).
   */
  async send(ctx: Context, conversationId: string, body: string, clientMessageId: string | null | undefined): Promise<MessageRow> {
    const userId = signedIn(ctx);
    const text = body.trim();
    if (text.length === 0 || text.length > BODY_MAX_LENGTH) throw badInput('body', `must be 1 to ${BODY_MAX_LENGTH} characters long (after trimming spaces)`);
    const clientId = clientMessageId?.trim() || null;
    if (clientId && clientId.length > 128) throw badInput('clientMessageId', 'must be at most 128 characters long');
    const conversation = await this.participating(ctx, conversationId);
    if (conversation.sosClosedAt && Date.now() > new Date(conversation.sosClosedAt).getTime() + this.settings.closeGraceHours * 3600_000) {
      throw new AppError('CONFLICT', `This SOS closed more than ${this.settings.closeGraceHours} hours ago; its conversation is read-only now`);
    }
    // A retry is answered before the rate limit is counted: resending what was sent is never "too many",
    // and it does not take a seq it will not use.
    const retried = clientId && (await this.repository.sentWith(conversation.id, userId, clientId));
    if (retried) return retried;
    const attempt = await this.limiter.hit(userId);
    if (this.limiter.isExceeded(attempt)) throw rateLimited('Too many messages; slow down', attempt.retryAfterSeconds);
    // Who is to be pushed the message is settled before the transaction: the conversation's row is
    // locked from the insert to the commit, and concurrent senders wait on it. With everyone's app
    // open (the usual case in a live chat) there is nothing to push, and one statement does.
    const recipients = (await this.load(ctx).participants.load(conversation.id)).filter((id) => id !== userId);
    const offlineRecipientIds = await this.activity.offline(recipients);
    const { message, created } =
      offlineRecipientIds.length === 0
        ? await this.repository.insertMessage(this.sql, conversation.id, userId, text, clientId)
        : await this.events.transaction(this.sql, async (tx, { emit }) => {
            const sent = await this.repository.insertMessage(tx, conversation.id, userId, text, clientId);
            if (sent.created) await emit('chat.messageSent', { messageId: sent.message.id, conversationId: conversation.id, sosId: conversation.sosId, senderId: userId, offlineRecipientIds });
            return sent;
          });
    if (created) await this.pubsub.publish(chatTopics.messages, conversation.id, message);
    return message;
  }

  async markRead(ctx: Context, conversationId: string, messageId: string): Promise<boolean> {
    const userId = signedIn(ctx);
    const conversation = await this.participating(ctx, conversationId);
    const message = await this.repository.messageById(assertId('messageId', messageId));
    if (!message || message.conversationId !== conversation.id) throw notFound('Message');
    if (await this.repository.markRead(conversation.id, userId, message.position)) await this.activity.read(conversation.id, userId, message.id);
    return true;
  }

  async setTyping(ctx: Context, conversationId: string, typing: boolean): Promise<boolean> {
    const conversation = await this.participating(ctx, conversationId);
    await this.activity.typing(conversation.id, ctx.tokenUserId!, typing);
    return true;
  }

  async activityFeed(ctx: Context, conversationId: string): Promise<AsyncIterable<ActivityRow>> {
    const conversation = await this.participating(ctx, conversationId);
    return this.activity.feed(ctx, conversation.id);
  }

  async messages(conversation: ConversationRow, first: number | null | undefined, before: string | null | undefined) {
    return pageOf(
      { first, cursorField: 'before', cursor: before, shape: ['integer'] },
      (limit, cursor) => this.repository.page(conversation.id, limit, cursor && cursor[0]),
      (message) => [message.position],
    );
  }

  async mine(ctx: Context, first: number | null | undefined, after: string | null | undefined) {
    const userId = signedIn(ctx);
    const page = await pageOf(
      { first, cursorField: 'after', cursor: after, shape: ['timestamp', 'uuid'] },
      (limit, cursor) => this.repository.pageOfUser(userId, limit, cursor && { at: cursor[0], id: cursor[1] }),
      (c) => [new Date(c.lastActivityAt).toISOString(), c.id],
    );
    for (const { node } of page.edges) this.load(ctx).byId.prime(node.id, node);
    return page;
  }

  /** Messages after `after` (a message id) replayed from the database, then live ones, in order, without duplicates. */
  async messageFeed(ctx: Context, conversationId: string, after: string | null | undefined): Promise<AsyncIterable<MessageRow>> {
    const conversation = await this.participating(ctx, conversationId);
    let from = 0;
    if (after) {
      const anchor = await this.repository.messageById(assertId('after', after));
      if (!anchor || anchor.conversationId !== conversation.id) throw notFound('Message');
      from = anchor.seq;
    }
    const feed = await this.pubsub.listen(chatTopics.messages, conversation.id);
    let checkedAt = Date.now();
    return replayThenLive(feed, from, {
      after: (seq) => this.repository.after(conversation.id, seq),
      seqOf: (message) => message.seq,
      // Whoever left the conversation (a dropped volunteer) stops receiving, within a second.
      stillAllowed: async () => {
        if (Date.now() - checkedAt <= PARTICIPATION_RECHECK_MS) return true;
        checkedAt = Date.now();
        return this.stillParticipant(conversation.id, ctx.tokenUserId!);
      },
    });
  }

  // --- writes that join the SOS module's transactions ---------------------------------------

  /** Opens the conversation of an accepted SOS for these people (a volunteer accepting after a drop joins the existing one). */
  openForSos(tx: Tx, sosId: string, userIds: readonly string[]): Promise<void> {
    return this.repository.open(tx, sosId, userIds);
  }

  /** Someone lost their place in an SOS (a volunteer dropped for silence): they leave its conversation. */
  leaveSos(tx: Tx, sosId: string, userId: string): Promise<void> {
    return this.repository.leave(tx, sosId, userId);
  }

  participantIds(ctx: Context, conversationId: string): Promise<string[]> {
    return this.load(ctx).participants.load(conversationId);
  }

  lastMessage(ctx: Context, conversationId: string): Promise<MessageRow | null> {
    return this.load(ctx).lastMessage.load(conversationId);
  }

  unreadCount(ctx: Context, conversationId: string): Promise<number> {
    return ctx.tokenUserId ? this.load(ctx).unread.load(`${ctx.tokenUserId}:${conversationId}`) : Promise.resolve(0);
  }

  private async participating(ctx: Context, conversationId: string): Promise<ConversationRow> {
    const conversation = await this.load(ctx).byId.load(assertId('conversationId', conversationId));
    if (!conversation || !(await this.isParticipant(ctx, conversation.id))) throw notFound('Conversation');
    return conversation;
  }

  private async isParticipant(ctx: Context, conversationId: string): Promise<boolean> {
    return ctx.tokenUserId !== null && (await this.load(ctx).participants.load(conversationId)).includes(ctx.tokenUserId);
  }

  private async stillParticipant(conversationId: string, userId: string): Promise<boolean> {
    return (await this.repository.participants([conversationId])).some((p) => p.userId === userId);
  }

  private load(ctx: Context): ChatLoaders {
    return ctx.loaders.get(this.loaders);
  }
}

