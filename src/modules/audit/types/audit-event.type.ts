import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';
import { AuditKind, AuditSubjectType } from '../audit-kinds';

@ObjectType({ description: 'One entry of the audit log: who did what to whom, and when. Entries are never changed or removed.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field()
  at!: Date;

  @Field(() => AuditKind)
  kind!: AuditKind;

  @Field(() => ID, { nullable: true, description: 'The account that acted; null when the API itself noticed it (a reused refresh token).' })
  actorId!: string | null;

  @Field(() => AuditSubjectType)
  subjectType!: AuditSubjectType;

  @Field(() => ID, { nullable: true })
  subjectId!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'What else the entry says, by kind (see AuditKind).' })
  details!: Record<string, unknown>;
}

export const AuditEventConnection = connectionOf(AuditEvent);
