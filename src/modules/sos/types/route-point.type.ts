import { Field, Float, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { GeoPoint } from '../../volunteers';

@ObjectType({ description: "A fix of the assigned volunteer on the way to the SOS, as kept for replaying the approach." })
export class RoutePoint {
  @Field()
  at!: Date;

  @Field(() => GeoPoint)
  location!: GeoPoint;

  @Field(() => Float, { nullable: true })
  accuracyMeters!: number | null;

  @Field(() => ID, { description: 'The volunteer whose fix it is (a re-matched SOS may have had several).' })
  volunteerId!: string;
}
