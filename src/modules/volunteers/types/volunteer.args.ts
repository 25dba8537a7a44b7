import { ArgsType, Field, Float, Int } from 'type-graphql';
import { IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { GeoPointInput } from './geo-point.input';
import { Skill } from './skill';

export const MAX_RADIUS_METERS = 50_000;
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;

@ArgsType()
export class UpdateLocationArgs {
  @Field(() => GeoPointInput)
  location!: GeoPointInput;

  // Bounds checked by checkLocationUpdate (location-bounds.ts), not by class-validator.
  @Field(() => Float, { nullable: true, description: 'Direction of travel, 0 to 360 degrees from north.' })
  headingDegrees?: number | null;

  @Field(() => Float, { nullable: true, description: 'Speed over ground, metres per second.' })
  speedMps?: number | null;
}

@ArgsType()
export class SetAvailabilityArgs {
  @Field()
  available!: boolean;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where the volunteer is now; puts them on the map at once.' })
  @IsOptional()
  @ValidateNested()
  location?: GeoPointInput | null;
}

@ArgsType()
export class NearbyVolunteersArgs {
  @Field(() => GeoPointInput)
  @ValidateNested()
  location!: GeoPointInput;

  @Field(() => Int)
  @Min(1, { message: `must be between 1 and ${MAX_RADIUS_METERS}` })
  @Max(MAX_RADIUS_METERS, { message: `must be between 1 and ${MAX_RADIUS_METERS}` })
  radiusMeters!: number;

  @Field(() => Int, { nullable: true, description: `1 to ${MAX_LIMIT}; ${DEFAULT_LIMIT} when omitted.` })
  @IsOptional()
  @Min(1, { message: `must be between 1 and ${MAX_LIMIT}` })
  @Max(MAX_LIMIT, { message: `must be between 1 and ${MAX_LIMIT}` })
  limit?: number | null;

  @Field(() => [Skill], { nullable: true, description: 'Only volunteers holding every one of these.' })
  skills?: Skill[] | null;
}
