import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { NotificationStatus } from '../../../platform/db';
import { ID } from '../../../platform/graphql/id.scalar';
import { NotificationCategory, NotificationChannel } from './notification-preference.type';

export { NotificationStatus };

registerEnumType(NotificationStatus, {
  name: 'NotificationStatus',
  description: 'PENDING: to be sent (or retried). SENT: a provider took it. SKIPPED: not to be sent (turned off, nobody to send to, answered meanwhile). FAILED: given up on (dead letter).',
});

@ObjectType({ description: 'One attempt at a notification: what a provider answered.' })
export class NotificationAttempt {
  @Field()
  at!: Date;

  @Field({ description: 'fcm, apns, twilio, vonage; none when nothing could be asked.' })
  provider!: string;

  @Field({ description: 'accepted, retry, rejected, dead-token or off.' })
  outcome!: string;

  @Field(() => String, { nullable: true })
  detail!: string | null;

  @Field(() => Int)
  latencyMs!: number;
}

@ObjectType({ description: 'A notification in the outbox (ADMIN only).' })
export class Notification {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'Who it is for.' })
  userId!: string;

  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field(() => NotificationCategory)
  category!: NotificationCategory;

  @Field(() => NotificationStatus)
  status!: NotificationStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  sentAt!: Date | null;
}
