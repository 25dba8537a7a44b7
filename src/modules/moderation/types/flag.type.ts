import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';
import { FlagAction, FlagEventType, FlagKind, FlagState, FlagSubjectType } from '../flag-kinds';

@ObjectType({ description: 'A line of a flag\'s history.' })
export class FlagEvent {
  @Field()
  at!: Date;

  @Field(() => FlagEventType)
  type!: FlagEventType;

  @Field(() => ID, { nullable: true, description: 'The staff member who resolved it; null for what the API noticed.' })
  actorId!: string | null;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The evidence of this raise (OPENED, RAISED_AGAIN).' })
  evidence!: Record<string, unknown> | null;
}

@ObjectType({ description: 'A concern about a user, volunteer or SOS, for staff to review (moderation queue).' })
export class Flag {
  @Field(() => ID)
  id!: string;

  @Field(() => FlagKind)
  kind!: FlagKind;

  @Field(() => FlagSubjectType)
  subjectType!: FlagSubjectType;

  @Field(() => ID, { description: 'The user, volunteer profile or SOS the flag is about.' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The person concerned (the user, the volunteer\'s account, the SOS\'s requester); null once their account is deleted.' })
  personId!: string | null;

  @Field(() => FlagState)
  state!: FlagState;

  @Field(() => GraphQLJSONObject, { description: 'The latest evidence (see FlagKind); each raise\'s is in history.' })
  evidence!: Record<string, unknown>;

  @Field(() => Int, { description: 'How often the concern was raised while the flag was open.' })
  raisedCount!: number;

  @Field()
  openedAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => ID, { nullable: true })
  resolvedBy!: string | null;

  @Field(() => FlagAction, { nullable: true })
  action!: FlagAction | null;

  @Field(() => String, { nullable: true, description: 'The resolving staff member\'s note.' })
  note!: string | null;
}

export const FlagConnection = connectionOf(Flag);
