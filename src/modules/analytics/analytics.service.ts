import { citiesAsked, type Context } from '../../platform/auth';
import { badInput } from '../../platform/errors';
import { isTimeZone } from '../../platform/validation';
import { pageSize } from '../../platform/graphql/cursor';
import type { AnalyticsRepository, StatsGrouping } from './analytics.repository';

/** The longest period one question may cover: a year and a bit, so a year-on-year view fits. */
const MAX_DAYS = 400;

export interface StatsQuery {
  /** One city (staff scoped to cities: one of theirs); omitted: every city the viewer may see. */
  cityId?: string | null;
  from: Date;
  to: Date;
  groupBy: StatsGrouping;
  timeZone?: string | null;
  resolution?: number | null;
}

/** Staff's view of whether the service works: how fast and how often SOS get help. */
export class AnalyticsService {
  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly defaultResolution: number,
  ) {}

  async responseStats(ctx: Context, query: StatsQuery) {
    const cityIds = citiesAsked(await ctx.viewer(), query.cityId);
    checkPeriod(query.from, query.to);
    const timeZone = query.timeZone ?? 'UTC';
    if (!isTimeZone(timeZone)) throw badInput('timeZone', 'is not an IANA time zone (e.g. Europe/Berlin)');
    const resolution = query.resolution ?? this.defaultResolution;
    if (!Number.isInteger(resolution) || resolution < 0 || resolution > 15) throw badInput('resolution', 'must be an H3 resolution from 0 to 15');
    return this.repository.responseStats(query.from, query.to, query.groupBy, timeZone, resolution, cityIds);
  }

  async topResponders(ctx: Context, cityId: string | null | undefined, from: Date, to: Date, first: number | null | undefined) {
    const cityIds = citiesAsked(await ctx.viewer(), cityId);
    checkPeriod(from, to);
    return this.repository.topResponders(from, to, pageSize('first', first), cityIds);
  }
}

function checkPeriod(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) throw badInput('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_DAYS * 86_400_000) throw badInput('to', `the period may cover at most ${MAX_DAYS} days`);
}
