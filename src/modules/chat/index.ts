// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../../config';
import type { ReplicaReads, Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { PubSub } from '../../platform/pubsub';
import { FixedWindowLimiter } from '../../platform/rate-limit';
import type { Redis } from '../../platform/redis';
import type { PresenceEvents, PresenceService } from '../presence';
import type { SosService } from '../sos';
import type { UsersService } from '../users';
import { chatLoadersFactory } from './chat.loaders';
import { ChatPersonalData } from './chat-personal-data.repository';
import { ChatRepository } from './chat.repository';
import { ChatResolver, ConversationResolver, MessageResolver, SosConversationResolver, boundChat } from './chat.resolver';
import { ChatActivity } from './chat.activity';
import type { ChatEvents } from './chat.events';
import { ChatService } from './chat.service';

export { ChatService };
export type { ChatEvents } from './chat.events';

/** The chat module's GraphQL resolvers (instances are made by createChatModule). */
export const chatResolvers = [ChatResolver, ConversationResolver, MessageResolver, SosConversationResolver] as const;

export function createChatModule(deps: {
  sql: Sql;
  reads: ReplicaReads;
  redis: Redis;
  config: Config;
  logger: Logger;
  pubsub: PubSub;
  users: UsersService;
  sos: SosService;
  presence: PresenceService;
  events: EventBus<ChatEvents>;
}) {
  const repository = new ChatRepository(deps.sql, deps.reads);
  const limiter = new FixedWindowLimiter(deps.redis, deps.logger, 'chat', deps.config.CHAT_MESSAGES_PER_10S, 10);
  const activity = new ChatActivity(repository, deps.pubsub, deps.redis, deps.presence, deps.config.CHAT_TYPING_LAPSE_SECONDS * 1000);
  const service = new ChatService(repository, deps.sql, deps.events, deps.sos, deps.pubsub, limiter, chatLoadersFactory(repository), activity, {
    closeGraceHours: deps.config.CHAT_CLOSE_GRACE_HOURS,
  });
  return {
    service,
    /** The messages people wrote: their export and the chat's retention. */
    personalData: new ChatPersonalData(deps.sql),
    /** Tells a user's conversations that they came online or went offline (wired to presence events). */
    presenceChanged: (change: PresenceEvents['presence.changed']) => activity.presenceChanged(change),
    close: () => activity.close(),
    bindSchema: (schema: GraphQLSchema) => boundChat.bind(schema, service),
    resolvers: [new ChatResolver(service), new ConversationResolver(service, deps.users, deps.sos), new MessageResolver(deps.users), new SosConversationResolver(service)],
  };
}
