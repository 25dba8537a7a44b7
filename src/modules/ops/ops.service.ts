import { citiesAsked, isStaff, type Context } from '../../platform/auth';
import { forbidden } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { OpsRepository, OverviewCounts } from './ops.repository';

export interface Overview extends OverviewCounts {
  at: Date;
  resolution: number;
}

export interface OpsSettings {
  resolution: number;
  staleSeconds: number;
  /** How often the live picture is read again while someone follows it. */
  everyMs: number;
}

/**
 * The live picture of the service for staff. Followers of the same cities share one reading per
 * instance: while anyone follows, the instance reads the counts every `everyMs` (PostgreSQL has
 * every instance's changes) and pushes them only when they changed; a slow follower gets the
 * latest, not a backlog.
 */
export class OpsService {
  /** What is followed on this instance, by the cities it covers (the key: their ids, or "*" for all). */
  private readonly watched = new Map<string, { cityIds: readonly string[] | null; followers: Set<(overview: Overview) => void>; last: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: OpsRepository,
    private readonly settings: OpsSettings,
    private readonly logger: Logger,
  ) {}

  /** Of one city (staff scoped to cities: one of theirs), else of all the viewer oversees. */
  async overview(ctx: Context, cityId: string | null | undefined): Promise<Overview> {
    return this.read(await scopeOf(ctx, cityId));
  }

  /** The overview now, then each change, at most every `everyMs`. */
  async follow(ctx: Context, cityId: string | null | undefined): Promise<AsyncGenerator<Overview>> {
    const cityIds = await scopeOf(ctx, cityId);
    const first = await this.read(cityIds);
    const key = cityIds ? [...cityIds].sort().join(',') : '*';
    let watch = this.watched.get(key);
    if (!watch) this.watched.set(key, (watch = { cityIds, followers: new Set(), last: keyOf(first) }));
    return this.changes(key, watch.followers, first);
  }

  private async *changes(key: string, followers: Set<(overview: Overview) => void>, first: Overview): AsyncGenerator<Overview> {
    let latest: Overview | null = first;
    let wake: (() => void) | null = null;
    const follower = (overview: Overview) => {
      latest = overview;
      wake?.();
    };
    followers.add(follower);
    this.watch();
    try {
      for (;;) {
        if (latest) {
          const next: Overview = latest;
          latest = null;
          yield next;
        } else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      // The client unsubscribed or went away (graphql-ws returns the generator).
      followers.delete(follower);
      if (followers.size === 0) this.watched.delete(key);
      if (this.watched.size === 0) this.unwatch();
    }
  }

  private async read(cityIds: readonly string[] | null): Promise<Overview> {
    const counts = await this.repository.overview(this.settings.resolution, this.settings.staleSeconds, cityIds);
    return { ...counts, at: new Date(), resolution: this.settings.resolution };
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.settings.everyMs);
    this.timer.unref();
  }

  private unwatch(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    for (const watch of this.watched.values()) {
      try {
        const overview = await this.read(watch.cityIds);
        const key = keyOf(overview);
        if (key === watch.last) continue;
        watch.last = key;
        for (const follower of watch.followers) follower(overview);
      } catch (err) {
        this.logger.warn({ err: { message: (err as Error).message } }, 'ops overview not read; trying again');
      }
    }
  }

  close(): void {
    this.unwatch();
  }
}

/** What tells two overviews apart (not when they were read). */
const keyOf = ({ at: _at, ...counts }: Overview) => JSON.stringify(counts);

/** The cities asked about within the viewer's scope; staff only. */
async function scopeOf(ctx: Context, cityId: string | null | undefined): Promise<readonly string[] | null> {
  const viewer = await ctx.viewer();
  if (!isStaff(viewer?.role)) throw forbidden('Only professionals and admins see the operations overview');
  return citiesAsked(viewer, cityId);
}
