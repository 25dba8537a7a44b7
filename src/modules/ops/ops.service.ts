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
  async follow(ctx: Context, cityId: string | null | undefined): Promise<AsyncIterableIterator<Overview>> {
    const cityIds = await scopeOf(ctx, cityId);
    const first = await this.read(cityIds);
    return this.changes(ctx, cityId, cityIds, first);
  }

  /**
   * A hand-made iterator, not a generator: an unsubscribe (`return()`) must leave at once, while a
   * generator's would wait for its next `yield`, that is for the next change, polling until then.
   */
  private changes(ctx: Context, cityId: string | null | undefined, cityIds: readonly string[] | null, first: Overview): AsyncIterableIterator<Overview> {
    let latest: Overview | null = first;
    let wake: (() => void) | null = null;
    let ended = false;
    let scope = cityIds;
    const follower = (overview: Overview) => {
      latest = overview;
      wake?.();
    };
    let key = this.join(scope, follower, first);
    const end = (): IteratorResult<Overview> => {
      if (!ended) {
        ended = true;
        this.leave(key, follower);
        wake?.();
      }
      return { done: true, value: undefined };
    };
    /** Their scope now; undefined when they may no longer see what they asked for. A database that does not answer leaves it as it was. */
    const scopeNow = () =>
      scopeOf(ctx, cityId).catch((err: unknown) => {
        if (err instanceof AppError) return undefined;
        this.logger.warn({ err: { message: (err as Error).message } }, "ops overview: the viewer's scope not read; trying again");
        return scope;
      });
    const iterator: AsyncIterableIterator<Overview> = {
      next: async () => {
        for (;;) {
          if (ended) return end();
          // A change of scope is news even when their old picture did not change: look every `everyMs`.
          if (!latest) await this.nextTick((resolve) => (wake = resolve));
          if (ended) return end();
          const now = await scopeNow();
          if (now === undefined) return end();
          if (keyOfCities(now) !== key) {
            this.leave(key, follower);
            scope = now;
            latest = await this.read(now).catch(() => null);
            key = this.join(now, follower, latest);
          }
          if (ended) return end();
          if (!latest) continue;
          const value: Overview = latest;
          latest = null;
          return { done: false, value };
        }
      },
      // The client unsubscribed or went away (graphql-ws returns the iterator).
      return: async () => end(),
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
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
  private join(cityIds: readonly string[] | null, follower: (overview: Overview) => void, current: Overview | null): string {
    const key = keyOfCities(cityIds);
    let watch = this.watched.get(key);
    if (!watch) this.watched.set(key, (watch = { cityIds, followers: new Set(), last: current ? keyOf(current) : '' }));
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
