import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';

@ObjectType({ description: "A city's overrides of the deployment's rules; null: the deployment's (SOS_RADII_METERS, SOS_ALERTS_PER_STEP, SOS_STEP_TIMEOUT_SECONDS, EMERGENCY_NUMBER)." })
export class CityRulesType {
  @Field(() => [Int], { nullable: true })
  radiiMeters!: number[] | null;

  @Field(() => Int, { nullable: true })
  alertsPerStep!: number | null;

  @Field(() => Int, { nullable: true })
  stepTimeoutSeconds!: number | null;

  @Field(() => String, { nullable: true })
  emergencyNumber!: string | null;
}

@ObjectType({ description: 'A city: an SOS raised inside its boundary belongs to it and follows its rules.' })
export class City {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'IANA time zone (days of its statistics).' })
  timeZone!: string;

  @Field({ description: 'Inactive: SOS raised inside follow the deployment\'s rules and belong to no city.' })
  active!: boolean;

  @Field(() => GraphQLJSONObject, { description: 'GeoJSON MultiPolygon (longitude first).' })
  boundary!: Record<string, unknown>;

  @Field(() => CityRulesType)
  rules!: CityRulesType;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}
