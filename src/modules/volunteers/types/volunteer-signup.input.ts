import { Field, InputType } from 'type-graphql';
import { ArrayMinSize, IsOptional } from 'class-validator';
import { TrimmedLength } from '../../../platform/validation';
import { Skill } from './skill';

export const BIO_MAX_LENGTH = 500;

@InputType()
export class VolunteerSignupInput {
  @Field(() => [Skill])
  @ArrayMinSize(1, { message: 'must name at least one skill' })
  skills!: Skill[];

  @Field(() => String, { nullable: true, description: `At most ${BIO_MAX_LENGTH} characters.` })
  @IsOptional()
  @TrimmedLength(0, BIO_MAX_LENGTH)
  bio?: string | null;
}
