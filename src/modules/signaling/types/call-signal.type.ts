import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';

export enum SignalKind {
  OFFER = 'OFFER',
  ANSWER = 'ANSWER',
  ICE_CANDIDATE = 'ICE_CANDIDATE',
  HANGUP = 'HANGUP',
}

registerEnumType(SignalKind, { name: 'SignalKind', description: 'WebRTC signaling messages, relayed as they are.' });

@ObjectType({ description: 'A WebRTC signaling message from one person of an SOS to the others.' })
export class CallSignal {
  @Field(() => ID)
  sosId!: string;

  @Field(() => ID)
  fromUserId!: string;

  @Field(() => SignalKind)
  kind!: SignalKind;

  @Field({ description: 'Opaque to the API (SDP or an ICE candidate, usually JSON); at most 16 KB.' })
  payload!: string;

  @Field()
  at!: Date;
}
