import { Field, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { PageInfo } from '../../../platform/graphql/page-info.type';

@ObjectType()
export class Message {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  conversationId!: string;

  @Field()
  body!: string;

  @Field(() => String, { nullable: true, description: 'The sender app\'s id for the message; sending again with it returns this message.' })
  clientMessageId!: string | null;

  @Field()
  createdAt!: Date;
}

@ObjectType()
export class MessageEdge {
  @Field()
  cursor!: string;

  @Field(() => Message)
  node!: Message;
}

@ObjectType()
export class MessageConnection {
  @Field(() => [MessageEdge])
  edges!: MessageEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
