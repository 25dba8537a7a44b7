import { Field, InputType } from 'type-graphql';
import { MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../password-policy';

@InputType()
export class LoginInput {
  @Field()
  email!: string;

  // No minimum beyond "present": a policy change must not lock out people whose older password is shorter.
  @Field()
  @MinLength(1, { message: 'is required' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: `must be at most ${PASSWORD_MAX_LENGTH} characters long` })
  password!: string;
}
