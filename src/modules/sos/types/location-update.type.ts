import { Field, Float, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { GeoPoint } from '../../volunteers';

@ObjectType({ description: 'Where the volunteer on the way is, and how far they still have to go.' })
export class LocationUpdate {
  @Field(() => ID)
  sosId!: string;

  @Field(() => ID)
  volunteerId!: string;

  @Field(() => GeoPoint)
  location!: GeoPoint;

  @Field(() => Float, { nullable: true })
  headingDegrees!: number | null;

  @Field(() => Float, { nullable: true })
  speedMps!: number | null;

  @Field(() => Float)
  distanceMeters!: number;

  @Field()
  at!: Date;
}
