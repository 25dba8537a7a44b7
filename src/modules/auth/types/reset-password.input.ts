import { MaxLength, MinLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { TrimmedLength } from '../../../platform/validation';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-policy';

@InputType()
export class ResetPasswordInput {
  @Field({ description: 'The token from the reset mail.' })
  @TrimmedLength(1, 200)
  token!: string;

  @Field()
  @MinLength(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters long` })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: `must be at most ${PASSWORD_MAX_LENGTH} characters long` })
  newPassword!: string;
}
