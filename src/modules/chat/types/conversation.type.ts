import { Field, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { PageInfo } from '../../../platform/graphql/page-info.type';

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

@ObjectType()
export class ConversationEdge {
  @Field()
  cursor!: string;

  @Field(() => Conversation)
  node!: Conversation;
}

@ObjectType()
export class ConversationConnection {
  @Field(() => [ConversationEdge])
  edges!: ConversationEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
