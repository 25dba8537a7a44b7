import { ArgsType, Field } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { TrimmedLength } from '../../../platform/validation';

export const REJECTION_REASON_MAX_LENGTH = 500;

@ArgsType()
export class RejectVolunteerArgs {
  @Field(() => ID)
  volunteerId!: string;

  @Field({ description: `Why, for the volunteer and the audit log: 1 to ${REJECTION_REASON_MAX_LENGTH} characters.` })
  @TrimmedLength(1, REJECTION_REASON_MAX_LENGTH)
  reason!: string;
}
