import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { Role, type Context } from '../../platform/auth';
import { schemaBound } from '../../platform/graphql/schema-bound';
import { User, type UserRow, type UsersService } from '../users';
import { SosRequest, type SosRow, type SosService } from '../sos';
import type { ActivityRow } from './chat.activity';
import { ChatService } from './chat.service';
import { ConversationActivity } from './types/conversation-activity.type';
import type { ConversationRow, MessageRow } from './chat.repository';
import { Conversation, ConversationConnection } from './types/conversation.type';
import { Message, MessageConnection } from './types/message.type';

export const boundChat = schemaBound<ChatService>('chat');
const chatOf = (info: GraphQLResolveInfo) => boundChat.of(info);

@Resolver()
export class ChatResolver {
  constructor(private readonly chat: ChatService) {}

  @Authorized()
  @Query(() => Conversation, { nullable: true, description: 'Null unless the viewer takes part in it.' })
  conversation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ConversationRow | null> {
    return this.chat.visible(ctx, id);
  }

  @Authorized()
  @Query(() => ConversationConnection, { description: "The viewer's conversations, most recent activity first." })
  myConversations(@Ctx() ctx: Context, @Arg('first', () => Int, { nullable: true }) first?: number | null, @Arg('after', () => String, { nullable: true }) after?: string | null) {
    return this.chat.mine(ctx, first, after);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Mutation(() => Conversation, { description: 'PROFESSIONAL and ADMIN only: join the conversation of an SOS.' })
  joinSosConversation(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<ConversationRow> {
    return this.chat.joinSos(ctx, sosId);
  }

  @Authorized()
  @Mutation(() => Message, { description: 'Body 1 to 4,000 characters. Retrying with the same clientMessageId returns the same message.' })
  sendMessage(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('body') body: string,
    @Ctx() ctx: Context,
    @Arg('clientMessageId', () => String, { nullable: true }) clientMessageId?: string | null,
  ): Promise<MessageRow> {
    return this.chat.send(ctx, conversationId, body, clientMessageId);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Moves the viewer\'s read receipt forward to this message (never back).' })
  markRead(@Arg('conversationId', () => ID) conversationId: string, @Arg('messageId', () => ID) messageId: string, @Ctx() ctx: Context): Promise<boolean> {
    return this.chat.markRead(ctx, conversationId, messageId);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Tells the others you are typing (true) or stopped (false); typing lapses after a few seconds without renewal.' })
  setTyping(@Arg('conversationId', () => ID) conversationId: string, @Arg('typing') typing: boolean, @Ctx() ctx: Context): Promise<boolean> {
    return this.chat.setTyping(ctx, conversationId, typing);
  }

  @Authorized()
  @Subscription(() => ConversationActivity, {
    description: 'Typing, read receipts and presence of the participants (who is online is sent first).',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, Record<string, unknown>, Context>) =>
      chatOf(info).activityFeed(context, args.conversationId as string),
  })
  conversationActivity(@Root() activity: ActivityRow, @Arg('conversationId', () => ID) _conversationId: string): ActivityRow {
    return activity;
  }

  @Authorized()
  @Subscription(() => Message, {
    description: 'New messages in a conversation. With after (a message id), every later message is replayed first.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, Record<string, unknown>, Context>) =>
      chatOf(info).messageFeed(context, args.conversationId as string, args.after as string | null),
  })
  messageAdded(@Root() message: MessageRow, @Arg('conversationId', () => ID) _conversationId: string, @Arg('after', () => ID, { nullable: true }) _after?: string): MessageRow {
    return message;
  }
}

@Resolver(() => Conversation)
export class ConversationResolver {
  constructor(
    private readonly chat: ChatService,
    private readonly users: UsersService,
    private readonly sosService: SosService,
  ) {}

  @FieldResolver(() => SosRequest, { nullable: true })
  sos(@Root() conversation: ConversationRow, @Ctx() ctx: Context): Promise<SosRow | null> {
    return conversation.sosId ? this.sosService.visible(ctx, conversation.sosId) : Promise.resolve(null);
  }

  @FieldResolver(() => [User])
  async participants(@Root() conversation: ConversationRow, @Ctx() ctx: Context): Promise<UserRow[]> {
    const ids = await this.chat.participantIds(ctx, conversation.id);
    const users = await Promise.all(ids.map((id) => this.users.byId(ctx, id)));
    return users.filter((u): u is UserRow => u !== null);
  }

  @FieldResolver(() => MessageConnection, { description: 'Newest first; pass pageInfo.endCursor as `before` for older ones.' })
  messages(
    @Root() conversation: ConversationRow,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('before', () => String, { nullable: true }) before?: string | null,
  ) {
    return this.chat.messages(conversation, first, before);
  }

  @FieldResolver(() => Int, { description: 'Messages from others after the viewer\'s read receipt.' })
  unreadCount(@Root() conversation: ConversationRow, @Ctx() ctx: Context): Promise<number> {
    return this.chat.unreadCount(ctx, conversation.id);
  }

  @FieldResolver(() => Message, { nullable: true })
  lastMessage(@Root() conversation: ConversationRow, @Ctx() ctx: Context): Promise<MessageRow | null> {
    return this.chat.lastMessage(ctx, conversation.id);
  }
}

@Resolver(() => Message)
export class MessageResolver {
  constructor(private readonly users: UsersService) {}

  @FieldResolver(() => User)
  async sender(@Root() message: MessageRow, @Ctx() ctx: Context): Promise<UserRow> {
    return (await this.users.byId(ctx, message.senderId))!;
  }
}

/** `SosRequest.conversation`: for those taking part in it. */
@Resolver(() => SosRequest)
export class SosConversationResolver {
  constructor(private readonly chat: ChatService) {}

  @FieldResolver(() => Conversation, { nullable: true })
  async conversation(@Root() sos: SosRow, @Ctx() ctx: Context): Promise<ConversationRow | null> {
    // Opened when the accept is written to PostgreSQL: a queued SOS (outage) has none yet.
    return sos.queued ? null : this.chat.ofSos(ctx, sos.id);
  }
}
