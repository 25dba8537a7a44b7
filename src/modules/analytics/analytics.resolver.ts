import { Arg, Authorized, Ctx, FieldResolver, Float, Int, Query, Resolver, Root } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
import { ID } from '../../platform/graphql/id.scalar';
import type { GroupStats } from './analytics.repository';
import type { AnalyticsService } from './analytics.service';
import { ResponseStats, ResponseStatsGroup, StatsGroupBy, TopResponder } from './types/response-stats.type';

@Resolver(() => ResponseStatsGroup)
export class AnalyticsResolver {
  constructor(private readonly service: AnalyticsService) {}

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => ResponseStats, { description: 'Staff only: how SOS raised from `from` (inclusive) to `to` (exclusive, at most 400 days later) fared, by day, week or area, with the total.' })
  responseStats(
    @Ctx() ctx: Context,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('groupBy', () => StatsGroupBy) groupBy: StatsGroupBy,
    @Arg('timeZone', () => String, { nullable: true, description: 'For DAY and WEEK: an IANA time zone (default UTC).' }) timeZone?: string | null,
    @Arg('resolution', () => Int, { nullable: true, description: 'For AREA: the H3 resolution, 0 to 15 (default AREA_H3_RESOLUTION).' }) resolution?: number | null,
    @Arg('cityId', () => ID, { nullable: true, description: 'One city; omitted: every SOS the viewer oversees (staff scoped to cities: theirs).' }) cityId?: string | null,
  ) {
    return this.service.responseStats(ctx, { cityId, from, to, groupBy, timeZone, resolution });
  }

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => [TopResponder], { description: 'Staff only: the volunteers who resolved most SOS raised in the period (then the quicker to arrive).' })
  topResponders(
    @Ctx() ctx: Context,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('first', () => Int, { nullable: true, description: '1 to 100, default 20.' }) first?: number | null,
    @Arg('cityId', () => ID, { nullable: true, description: 'One city; omitted: every SOS the viewer oversees.' }) cityId?: string | null,
  ) {
    return this.service.topResponders(ctx, cityId, from, to, first);
  }

  @FieldResolver(() => Float, { nullable: true })
  alertAcceptanceRate(@Root() row: GroupStats): number | null {
    return row.alertsOffered > 0 ? row.alertsAccepted / row.alertsOffered : null;
  }
}
