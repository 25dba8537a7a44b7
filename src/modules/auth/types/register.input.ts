import { Field, InputType } from 'type-graphql';
import { IsOptional, Matches, MaxLength, MinLength } from 'class-validator';
import { TrimmedLength } from '../../../platform/validation';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-policy';

@InputType()
export class RegisterInput {
  /** Checked after normalisation in the service (trimmed, lower-cased). */
  @Field()
  email!: string;

  @Field()
  @MinLength(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters long` })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: `must be at most ${PASSWORD_MAX_LENGTH} characters long` })
  password!: string;

  @Field()
  @TrimmedLength(1, 80)
  displayName!: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'must be in international format, e.g. +4915112345678' })
  phone?: string;
}
