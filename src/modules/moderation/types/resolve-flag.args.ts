import { ArgsType, Field } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { TrimmedLength } from '../../../platform/validation';
import { FlagAction } from '../flag-kinds';

export const FLAG_NOTE_MAX_LENGTH = 1000;

@ArgsType()
export class ResolveFlagArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => FlagAction)
  action!: FlagAction;

  @Field({ description: `Why (the warning's text for WARN, the suspension's reason for SUSPEND): 1 to ${FLAG_NOTE_MAX_LENGTH} characters.` })
  @TrimmedLength(1, FLAG_NOTE_MAX_LENGTH)
  note!: string;
}
