import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An RTCIceServer for RTCPeerConnection: STUN without credentials, TURN with time-limited ones.' })
export class IceServer {
  @Field(() => [String])
  urls!: string[];

  @Field(() => String, { nullable: true, description: 'TURN: `<expiry unix seconds>:<user id>`.' })
  username!: string | null;

  @Field(() => String, { nullable: true, description: 'TURN: valid until the expiry in the username.' })
  credential!: string | null;
}
