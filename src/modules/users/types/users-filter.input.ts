import { IsOptional } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { Role } from '../../../platform/auth';
import { TrimmedLength } from '../../../platform/validation';

@InputType({ description: 'Every field is optional; the people listed match all that are given.' })
export class UsersFilter {
  @Field(() => String, { nullable: true, description: 'Part of the display name (and, for admins, of the email), any case: 1 to 100 characters.' })
  @IsOptional()
  @TrimmedLength(1, 100)
  query?: string | null;

  @Field(() => Role, { nullable: true })
  role?: Role | null;

  @Field(() => Boolean, { nullable: true, description: 'Flagged for review (true) or not (false).' })
  flagged?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Suspended now (true) or not (false).' })
  suspended?: boolean | null;
}
