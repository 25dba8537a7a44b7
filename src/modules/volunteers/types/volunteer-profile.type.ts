import { Field, Int, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';
import { Skill } from './skill';

/**
 * A volunteer as the API shows them. `user`, `available`, `lastLocation`, `lastSeenAt` and
 * `rating` are field resolvers (volunteer-profile.resolver.ts): they read live state and check
 * who is asking.
 */
@ObjectType()
export class VolunteerProfile {
  @Field(() => ID)
  id!: string;

  @Field(() => [Skill])
  skills!: Skill[];

  @Field(() => String, { nullable: true })
  bio!: string | null;

  @Field({ description: 'Checked by an admin (verifyVolunteer).' })
  verified!: boolean;

  @Field(() => Int, { description: 'SOS this volunteer saw through to resolution.' })
  completedCount!: number;
}

export const VolunteerProfileConnection = connectionOf(VolunteerProfile);
