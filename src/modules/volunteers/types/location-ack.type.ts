import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class LocationAck {
  @Field()
  acceptedAt!: Date;

  @Field(() => Int, { description: 'When the app should send its next update: short while assigned to an SOS, long while idle.' })
  nextUpdateInSeconds!: number;
}
