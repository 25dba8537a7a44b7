import type { Logger } from '../../platform/logger';
import type { PersonalData, RetentionCutoffs } from '../../platform/privacy';
import type { RetentionRepository } from './retention.repository';

export interface RetentionSettings {
  everySeconds: number;
  clientIpDays: number;
  sosLocationDays: number;
  routeDays: number;
  chatDays: number;
}

const DAY_MS = 86_400_000;
/** How often an instance looks whether a new period has begun (and the period's run is still unclaimed). */
const LOOK_EVERY_MS = 60_000;

export type Purge = NonNullable<PersonalData['purge']>;

/**
 * Removes or coarsens personal data past its retention, once per period (RETENTION_EVERY_SECONDS)
 * across all instances: each instance looks now and then, and the one that claims the period in
 * PostgreSQL runs it. Cut-offs are relative to now, so a period missed (every instance down, or
 * the run failed) is caught up by the next.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private lastPeriod = -1;
  private running = false;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly purges: readonly Purge[],
    private readonly settings: RetentionSettings,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const every = Math.min(LOOK_EVERY_MS, this.settings.everySeconds * 1000);
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Before when each kind of data is past retention, as of `now`. */
  private cutoffs(now: number): RetentionCutoffs {
    const daysAgo = (days: number) => new Date(now - days * DAY_MS);
    return {
      clientIpBefore: daysAgo(this.settings.clientIpDays),
      exactLocationBefore: daysAgo(this.settings.sosLocationDays),
      routeBefore: daysAgo(this.settings.routeDays),
      chatBefore: daysAgo(this.settings.chatDays),
    };
  }

  private async tick(): Promise<void> {
    const period = Math.floor(Date.now() / (this.settings.everySeconds * 1000));
    if (period === this.lastPeriod || this.running) return;
    this.running = true;
    try {
      if (await this.repository.claim(period, this.instance)) await this.run(period);
      this.lastPeriod = period;
    } catch (err) {
      this.logger.error({ period, err: { message: (err as Error).message } }, 'retention run failed; the next period catches up');
    } finally {
      this.running = false;
    }
  }

  private async run(period: number): Promise<void> {
    const cutoffs = this.cutoffs(Date.now());
    const removed: Record<string, number> = {};
    for (const purge of this.purges) Object.assign(removed, await purge(cutoffs));
    await this.repository.finish(period, removed);
    this.logger.info({ period, removed }, 'retention run');
  }
}
