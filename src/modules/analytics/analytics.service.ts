import { bulkhead, isBulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { citiesAsked, type Context } from '../../platform/auth';
import { badInput, rateLimited } from '../../platform/errors';
import { isTimeZone } from '../../platform/validation';
import { pageSize } from '../../platform/graphql/cursor';
import type { AnalyticsRepository, StatsGrouping } from './analytics.repository';

/** The longest period one question may cover: a year and a bit, so a year-on-year view fits. */
const MAX_DAYS = 400;

export interface AnalyticsLimits {
  /** Questions one instance answers at once (each holds pool connections for up to seconds). */
  concurrency: number;
  /** Questions waiting for their turn; past that, RATE_LIMITED. */
  queue: number;
}

export interface StatsQuery {
  /** One city (staff scoped to cities: one of theirs); omitted: every city the viewer may see. */
  cityId?: string | null;
  from: Date;
  to: Date;
  groupBy: StatsGrouping;
  timeZone?: string | null;
  resolution?: number | null;
}

/**
 * Staff's view of whether the service works: how fast and how often SOS get help. A question
 * reads up to a year of SOS; the SOS work shares the pool, so only a few run at once (a bulkhead)
 * however many dashboards ask.
 */
export class AnalyticsService {
  private readonly gate: BulkheadPolicy;

  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly defaultResolution: number,
    limits: AnalyticsLimits,
  ) {
    this.gate = bulkhead(limits.concurrency, limits.queue);
  }

  async responseStats(ctx: Context, query: StatsQuery) {
    const cityIds = citiesAsked(await ctx.viewer(), query.cityId);
    checkPeriod(query.from, query.to);
    const timeZone = query.timeZone ?? 'UTC';
    if (!isTimeZone(timeZone)) throw badInput('timeZone', 'is not an IANA time zone (e.g. Europe/Berlin)');
    const resolution = query.resolution ?? this.defaultResolution;
    if (!Number.isInteger(resolution) || resolution < 0 || resolution > 15) throw badInput('resolution', 'must be an H3 resolution from 0 to 15');
    return this.inTurn(() => this.repository.responseStats(query.from, query.to, query.groupBy, timeZone, resolution, cityIds));
  }

  async topResponders(ctx: Context, cityId: string | null | undefined, from: Date, to: Date, first: number | null | undefined) {
    const cityIds = citiesAsked(await ctx.viewer(), cityId);
    checkPeriod(from, to);
    return this.inTurn(() => this.repository.topResponders(from, to, pageSize('first', first), cityIds));
  }

  private async inTurn<T>(question: () => Promise<T>): Promise<T> {
    try {
      return await this.gate.execute(question);
    } catch (err) {
      if (isBulkheadRejectedError(err)) throw rateLimited('Too many statistics questions are being answered; ask again in a moment', 5);
      throw err;
    }
  }
}

function checkPeriod(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) throw badInput('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_DAYS * 86_400_000) throw badInput('to', `the period may cover at most ${MAX_DAYS} days`);
}
