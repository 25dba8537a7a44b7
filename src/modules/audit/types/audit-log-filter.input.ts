import { Field, InputType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { AuditKind } from '../audit-kinds';

@InputType({ description: 'Every field is optional; the entries match all that are given.' })
export class AuditLogFilter {
  @Field(() => ID, { nullable: true, description: 'Who acted.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Whom or what it was about (a user, volunteer or SOS id).' })
  subjectId?: string | null;

  @Field(() => AuditKind, { nullable: true })
  kind?: AuditKind | null;

  @Field(() => Date, { nullable: true, description: 'From this instant on (inclusive).' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Before this instant (exclusive).' })
  to?: Date | null;
}
