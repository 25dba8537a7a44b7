import { Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
import { schemaBound } from '../../platform/graphql/schema-bound';
import type { Overview, OpsService } from './ops.service';
import { OpsOverview, SosStatusCount } from './types/ops-overview.type';

export const opsFeeds = schemaBound<OpsService>('operations overview');

@Resolver(() => OpsOverview)
export class OpsResolver {
  constructor(private readonly service: OpsService) {}

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => OpsOverview, { description: 'PROFESSIONAL and ADMIN only: open SOS by state, alerts pending, escalations waiting and volunteers available, in total and per area (H3 cell). Counts only.' })
  opsOverview(@Ctx() ctx: Context): Promise<Overview> {
    return this.service.overview(ctx);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Subscription(() => OpsOverview, {
    description: 'PROFESSIONAL and ADMIN only: the overview now, then again whenever it changed, at most every 2 s.',
    subscribe: ({ context, info }: SubscribeResolverData<unknown, Record<string, unknown>, Context>) => opsFeeds.of(info).follow(context),
  })
  opsOverviewChanged(@Root() overview: Overview): Overview {
    return overview;
  }

  @FieldResolver(() => Int)
  openSos(@Root() overview: Overview): number {
    return Object.values(overview.openByStatus).reduce((sum, n) => sum + n, 0);
  }

  @FieldResolver(() => [SosStatusCount])
  openByStatus(@Root() overview: Overview): SosStatusCount[] {
    return Object.entries(overview.openByStatus).map(([status, count]) => ({ status, count }) as SosStatusCount);
  }

  @FieldResolver(() => Int)
  escalationsWaiting(@Root() overview: Overview): number {
    return overview.openByStatus.ESCALATED ?? 0;
  }
}
