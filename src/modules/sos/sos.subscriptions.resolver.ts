import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Int, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { Role, type Context } from '../../platform/auth';
import { schemaBound } from '../../platform/graphql/schema-bound';
import type { AlertRow } from './sos-alerts.repository';
import { SosFeeds } from './sos.feeds';
import type { SosEventRow } from './sos.repository';
import type { LocationUpdateRow } from './sos.topics';
import { LocationUpdate } from './types/location-update.type';
import { SosAlert } from './types/sos-alert.type';
import { SosEvent } from './types/sos-event.type';

type Data = SubscribeResolverData<unknown, Record<string, unknown>, Context>;

export const sosFeeds = schemaBound<SosFeeds>('SOS subscriptions');
const feedsOf = (info: GraphQLResolveInfo) => sosFeeds.of(info);

/** Each subscription's events come from SosFeeds (replay from PostgreSQL, then live); the resolvers pass them on. */
@Resolver()
export class SosSubscriptionsResolver {
  @Authorized()
  @Subscription(() => SosAlert, {
    description: 'Alerts offered to, and withdrawn from, the signed-in volunteer. Open offers are replayed first on subscribe.',
    subscribe: ({ context, info }: Data) => feedsOf(info).alerts(context),
  })
  sosAlerts(@Root() alert: AlertRow): AlertRow {
    return alert;
  }

  @Authorized()
  @Subscription(() => SosEvent, {
    description: 'Events of one SOS, in seq order. With afterSeq, every event after it is replayed first.',
    subscribe: ({ args, context, info }: Data) => feedsOf(info).updates(context, args.sosId as string, args.afterSeq as number | null),
  })
  sosUpdates(@Root() event: SosEventRow, @Arg('sosId', () => ID) _sosId: string, @Arg('afterSeq', () => Int, { nullable: true }) _afterSeq?: number): SosEventRow {
    return event;
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Subscription(() => SosEvent, {
    description: 'PROFESSIONAL and ADMIN only: every SOS that escalates (no volunteer accepted). Those still escalated are replayed first.',
    subscribe: ({ context, info }: Data) => feedsOf(info).escalations(context),
  })
  sosEscalations(@Root() event: SosEventRow): SosEventRow {
    return event;
  }

  @Authorized()
  @Subscription(() => LocationUpdate, {
    description: 'Live location of the volunteer assigned to the SOS, for its requester and admins.',
    subscribe: ({ args, context, info }: Data) => feedsOf(info).locations(context, args.sosId as string),
  })
  volunteerLocation(@Root() update: LocationUpdateRow, @Arg('sosId', () => ID) _sosId: string): LocationUpdateRow {
    return update;
  }
}
