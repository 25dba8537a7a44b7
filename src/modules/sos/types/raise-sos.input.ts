import { Field, InputType } from 'type-graphql';
import { IsOptional, ValidateNested } from 'class-validator';
import { TrimmedLength } from '../../../platform/validation';
import { GeoPointInput, Skill } from '../../volunteers';
import { SosCategory } from './sos-enums';

export const DESCRIPTION_MAX_LENGTH = 1000;

@InputType()
export class RaiseSosInput {
  @Field(() => GeoPointInput)
  @ValidateNested()
  location!: GeoPointInput;

  @Field(() => SosCategory)
  category!: SosCategory;

  @Field(() => String, { nullable: true, description: `At most ${DESCRIPTION_MAX_LENGTH} characters.` })
  @IsOptional()
  @TrimmedLength(0, DESCRIPTION_MAX_LENGTH)
  description?: string | null;

  @Field(() => [Skill], { nullable: true })
  requiredSkills?: Skill[] | null;

  @Field({ description: 'Client-generated; retrying raiseSos with the same key returns the same SOS instead of a new one.' })
  @TrimmedLength(1, 128)
  idempotencyKey!: string;
}
