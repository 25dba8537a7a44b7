import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A WGS84 position in degrees.' })
export class GeoPoint {
  @Field(() => Float)
  latitude!: number;

  @Field(() => Float)
  longitude!: number;
}
