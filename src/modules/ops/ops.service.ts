import { citiesAsked, isStaff, type Context } from '../../platform/auth';
import { AppError, forbidden } from '../../platform/errors';
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

  /**
   * The overview now, then each change, at most every `everyMs`. The viewer's scope is read afresh
   * before each (every few seconds at most): given cities or taken some, they follow what they
   * oversee now; no longer staff, or no longer over the city they asked for, the stream ends.
   */
  async follow(ctx: Context, cityId: string | null | undefined): Promise<AsyncGenerator<Overview>> {
    const cityIds = await scopeOf(ctx, cityId);
    const first = await this.read(cityIds);
    const scope = () => scopeOf(ctx, cityId).catch((err: unknown) => {
      if (err instanceof AppError) return undefined;
      throw err;
    });
    return this.changes(scope, cityIds, first);
  }

  private async *changes(scope: () => Promise<readonly string[] | null | undefined>, cityIds: readonly string[] | null, first: Overview): AsyncGenerator<Overview> {
    let latest: Overview | null = first;
    let wake: (() => void) | null = null;
    const follower = (overview: Overview) => {
      latest = overview;
      wake?.();
    };
    let key = this.join(cityIds, follower, first);
    try {
      for (;;) {
        // A change of scope is news even when their old picture did not change: look every `everyMs`.
        if (!latest) await this.nextTick((resolve) => (wake = resolve));
        const now = await scope();
        if (now === undefined) return;
        if (keyOfCities(now) !== key) {
          this.leave(key, follower);
          latest = await this.read(now);
          key = this.join(now, follower, latest);
        }
        if (!latest) continue;
        const next: Overview = latest;
        latest = null;
        yield next;
      }
    } finally {
      // The client unsubscribed or went away (graphql-ws returns the generator), or the stream ended.
      this.leave(key, follower);
    }
  }

  /** Resolves when `arm`'s resolver is called (a new picture) or after `everyMs`, whichever comes first. */
  private nextTick(arm: (resolve: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.settings.everyMs);
      arm(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Adds a follower to the picture of these cities (shared on this instance); its key. */
  private join(cityIds: readonly string[] | null, follower: (overview: Overview) => void, current: Overview): string {
    const key = keyOfCities(cityIds);
    let watch = this.watched.get(key);
    if (!watch) this.watched.set(key, (watch = { cityIds, followers: new Set(), last: keyOf(current) }));
    watch.followers.add(follower);
    this.watch();
    return key;
  }

  private leave(key: string, follower: (overview: Overview) => void): void {
    const watch = this.watched.get(key);
    watch?.followers.delete(follower);
    if (watch?.followers.size === 0) this.watched.delete(key);
    if (this.watched.size === 0) this.unwatch();
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

/** The key of a picture: the cities it covers, or "*" for all. */
const keyOfCities = (cityIds: readonly string[] | null) => (cityIds ? [...cityIds].sort().join(',') : '*');

/** What tells two overviews apart (not when they were read). */
const keyOf = ({ at: _at, ...counts }: Overview) => JSON.stringify(counts);

/** The cities asked about within the viewer's scope; staff only. */
async function scopeOf(ctx: Context, cityId: string | null | undefined): Promise<readonly string[] | null> {
  const viewer = await ctx.viewer();
  if (!isStaff(viewer?.role)) throw forbidden('Only professionals and admins see the operations overview');
  return citiesAsked(viewer, cityId);
}
