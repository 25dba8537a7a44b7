import { Field, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';

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

export const MessageConnection = connectionOf(Message);
