import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { ID } from '../../platform/graphql/id.scalar';
import { Role, type Context } from '../../platform/auth';
import { schemaBound } from '../../platform/graphql/schema-bound';
import type { Overview, OpsService } from './ops.service';
import { OpsOverview, SosStatusCount } from './types/ops-overview.type';

export const opsFeeds = schemaBound<OpsService>('operations overview');

const CITY = "One city's (staff scoped to cities: one of theirs, else NOT_FOUND); omitted: everything the viewer oversees.";

@Resolver(() => OpsOverview)
export class OpsResolver {
  constructor(private readonly service: OpsService) {}

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => OpsOverview, { description: 'PROFESSIONAL and ADMIN only: open SOS by state, alerts pending, escalations waiting and volunteers available, in total and per area (H3 cell). Counts only.' })
  opsOverview(@Ctx() ctx: Context, @Arg('cityId', () => ID, { nullable: true, description: CITY }) cityId?: string | null): Promise<Overview> {
    return this.service.overview(ctx, cityId);
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Subscription(() => OpsOverview, {
    description: 'PROFESSIONAL and ADMIN only: the overview now, then again whenever it changed, at most every 2 s.',
    subscribe: ({ args, context, info }: SubscribeResolverData<unknown, Record<string, unknown>, Context>) => opsFeeds.of(info).follow(context, args.cityId as string | null),
  })
  opsOverviewChanged(@Root() overview: Overview, @Arg('cityId', () => ID, { nullable: true, description: CITY }) _cityId?: string | null): Overview {
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
