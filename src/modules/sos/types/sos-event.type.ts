import { Field, Int, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';
import { SosEventType } from './sos-enums';

@ObjectType()
export class SosEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  sosId!: string;

  @Field(() => Int, { description: 'Per-SOS sequence number, strictly increasing from 1.' })
  seq!: number;

  @Field(() => SosEventType)
  type!: SosEventType;

  @Field()
  at!: Date;

  @Field(() => String, { nullable: true })
  message!: string | null;
}
