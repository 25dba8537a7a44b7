import { ArgsType, Field } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { TrimmedLength } from '../../../platform/validation';

export const SUSPENSION_REASON_MAX_LENGTH = 500;

@ArgsType()
export class SuspendUserArgs {
  @Field(() => ID)
  userId!: string;

  @Field({ description: `Why, for the person and the audit log: 1 to ${SUSPENSION_REASON_MAX_LENGTH} characters.` })
  @TrimmedLength(1, SUSPENSION_REASON_MAX_LENGTH)
  reason!: string;

  @Field(() => Date, { nullable: true, description: 'When it ends by itself (in the future); omitted: until reinstated.' })
  until?: Date | null;
}
