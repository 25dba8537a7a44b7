import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'Overrides of the deployment\'s rules; a field null or left out follows the deployment.' })
export class CityRulesInput {
  @Field(() => [Int], { nullable: true, description: '1 to 10 radii in metres (50 to 50000), each larger than the one before.' })
  radiiMeters?: number[] | null;

  @Field(() => Int, { nullable: true, description: '1 to 100.' })
  alertsPerStep?: number | null;

  @Field(() => Int, { nullable: true, description: '5 to 3600.' })
  stepTimeoutSeconds?: number | null;

  @Field(() => String, { nullable: true, description: 'The emergency number the apps show there: 2 to 15 digits, optionally after a +.' })
  emergencyNumber?: string | null;
}

@InputType({ description: 'A city. Creating one needs name, timeZone and boundary; an update changes what it gives (rules, when given, replace every override).' })
export class CityInput {
  @Field(() => String, { nullable: true, description: '1 to 100 characters, unique (case-insensitive).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Europe/Berlin.' })
  timeZone?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'GeoJSON Polygon or MultiPolygon, longitude first; every ring closed; a valid geometry (ST_IsValid), else BAD_USER_INPUT saying why.',
  })
  boundary?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => CityRulesInput, { nullable: true })
  rules?: CityRulesInput | null;
}
