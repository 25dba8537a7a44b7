import { isStaff, type Context } from '../../platform/auth';
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
 * The live picture of the service for staff. Followers share one reading per instance: while
 * anyone follows, the instance reads the counts every `everyMs` (PostgreSQL has every instance's
 * changes) and pushes them only when they changed; a slow follower gets the latest, not a backlog.
 */
export class OpsService {
  private readonly followers = new Set<(overview: Overview) => void>();
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly repository: OpsRepository,
    private readonly settings: OpsSettings,
    private readonly logger: Logger,
  ) {}

  async overview(ctx: Context): Promise<Overview> {
    await assertStaff(ctx);
    return this.read();
  }

  /** The overview now, then each change, at most every `everyMs`. */
  async follow(ctx: Context): Promise<AsyncGenerator<Overview>> {
    await assertStaff(ctx);
    const first = await this.read();
    if (!this.timer) this.last = keyOf(first);
    return this.changes(first);
  }

  private async *changes(first: Overview): AsyncGenerator<Overview> {
    let latest: Overview | null = first;
    let wake: (() => void) | null = null;
    const follower = (overview: Overview) => {
      latest = overview;
      wake?.();
    };
    this.followers.add(follower);
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
      this.followers.delete(follower);
      if (this.followers.size === 0) this.unwatch();
    }
  }

  private async read(): Promise<Overview> {
    const counts = await this.repository.overview(this.settings.resolution, this.settings.staleSeconds);
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
    this.last = '';
  }

  private async tick(): Promise<void> {
    try {
      const overview = await this.read();
      const key = keyOf(overview);
      if (key === this.last) return;
      this.last = key;
      for (const follower of this.followers) follower(overview);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'ops overview not read; trying again');
    }
  }

  close(): void {
    this.unwatch();
  }
}

/** What tells two overviews apart (not when they were read). */
const keyOf = ({ at: _at, ...counts }: Overview) => JSON.stringify(counts);

async function assertStaff(ctx: Context): Promise<void> {
  if (!isStaff((await ctx.viewer())?.role)) throw forbidden('Only professionals and admins see the operations overview');
}
