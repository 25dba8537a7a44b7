import { Field, InputType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { FlagKind, FlagState, FlagSubjectType } from '../flag-kinds';

@InputType({ description: 'Every field is optional; the flags match all that are given.' })
export class FlagsFilter {
  @Field(() => FlagState, { nullable: true, description: 'OPEN for the moderation queue.' })
  state?: FlagState | null;

  @Field(() => FlagKind, { nullable: true })
  kind?: FlagKind | null;

  @Field(() => FlagSubjectType, { nullable: true })
  subjectType?: FlagSubjectType | null;

  @Field(() => ID, { nullable: true, description: 'The user, volunteer profile or SOS.' })
  subjectId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Every flag concerning this person, whatever the subject.' })
  personId?: string | null;
}
