import { Field, Int, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';
import { Skill } from '../../volunteers';
import { SosCategory, SosStatus } from './sos-enums';

/**
 * An emergency as the API shows it. `requester`, `location`, `assignedVolunteer`,
 * `alertedCount` and `timeline` are field resolvers (sos-request.resolver.ts) that check who is
 * asking.
 */
@ObjectType()
export class SosRequest {
  @Field(() => ID)
  id!: string;

  @Field(() => SosCategory)
  category!: SosCategory;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => SosStatus)
  status!: SosStatus;

  @Field(() => Int)
  searchRadiusMeters!: number;

  @Field(() => [Skill])
  requiredSkills!: Skill[];

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  acceptedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  arrivedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;
}

export const SosRequestConnection = connectionOf(SosRequest);
