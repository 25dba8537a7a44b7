import { Field, Float, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { AlertStatus } from './sos-enums';

@ObjectType({ description: 'An SOS offered to a volunteer: the emergency and how far, never who raised it.' })
export class SosAlert {
  @Field(() => ID)
  id!: string;

  @Field(() => Float)
  distanceMeters!: number;

  @Field(() => AlertStatus)
  status!: AlertStatus;

  @Field()
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the volunteer\'s app showed it (markAlertSeen); null until then.' })
  seenAt!: Date | null;
}
