import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import type { Context } from '../../platform/auth';
import { schemaBound } from '../../platform/graphql/schema-bound';
import { SignalingService, type SignalRow } from './signaling.service';
import type { IceServerRow } from './ice-servers';
import { CallSignal, SignalKind } from './types/call-signal.type';
import { IceServer } from './types/ice-server.type';

export const boundSignaling = schemaBound<SignalingService>('signaling');
const signalingOf = (info: GraphQLResolveInfo) => boundSignaling.of(info);

@Resolver()
export class SignalingResolver {
  constructor(private readonly signaling: SignalingService) {}

  @Authorized()
  @Query(() => [IceServer], {
    description: 'STUN and TURN servers for a call about this SOS, TURN with credentials valid TURN_CREDENTIAL_TTL_SECONDS; for its people while it is ACCEPTED or ARRIVED. Empty when none are configured.',
  })
  iceServers(@Arg('sosId', () => ID) sosId: string, @Ctx() ctx: Context): Promise<IceServerRow[]> {
    return this.signaling.iceServers(ctx, sosId);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Relays a WebRTC signal to the other people of the SOS (while it is ACCEPTED or ARRIVED). Not stored.' })
  sendCallSignal(
    @Arg('sosId', () => ID) sosId: string,
    @Arg('kind', () => SignalKind) kind: SignalKind,
    @Arg('payload') payload: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return this.signaling.send(ctx, sosId, kind, payload);
  }

  @Authorized()
  @Subscription(() => CallSignal, {
    description: 'WebRTC signaling between the people of one SOS; a sender never receives its own signals.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, Record<string, unknown>, Context>) => signalingOf(info).feed(context, args.sosId as string),
  })
  callSignals(@Root() signal: SignalRow, @Arg('sosId', () => ID) _sosId: string): SignalRow {
    return signal;
  }
}
