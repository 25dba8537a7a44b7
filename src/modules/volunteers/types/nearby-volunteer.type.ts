import { Field, Float, ObjectType } from 'type-graphql';
import type { VolunteerRow } from '../volunteers.repository';
import { VolunteerProfile } from './volunteer-profile.type';

@ObjectType()
export class NearbyVolunteer {
  @Field(() => VolunteerProfile)
  volunteer!: VolunteerRow;

  @Field(() => Float)
  distanceMeters!: number;
}
