import { Field, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';

/**
 * The conversation of one SOS. `sos`, `participants`, `messages`, `unreadCount` and
 * `lastMessage` are field resolvers (conversation.resolver.ts), per viewer.
 */
@ObjectType()
export class Conversation {
  @Field(() => ID)
  id!: string;

  @Field()
  createdAt!: Date;
}

export const ConversationConnection = connectionOf(Conversation);
