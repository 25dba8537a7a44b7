import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';

export enum ActivityKind {
  TYPING = 'TYPING',
  STOPPED_TYPING = 'STOPPED_TYPING',
  READ = 'READ',
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
}

registerEnumType(ActivityKind, { name: 'ActivityKind' });

@ObjectType({ description: 'Someone in the conversation is typing, stopped, read up to a message, came online or went offline.' })
export class ConversationActivity {
  @Field(() => ID)
  conversationId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => ActivityKind)
  kind!: ActivityKind;

  @Field(() => ID, { nullable: true, description: 'With READ: the message read up to.' })
  messageId!: string | null;

  @Field()
  at!: Date;
}
