import { Gauge, type Registry } from 'prom-client';
import { JobQueue } from '../../platform/jobs';
import type { Logger } from '../../platform/logger';
import type { RedisTarget } from '../../platform/redis';
import type { NotificationDelivery } from './notifications.delivery';
import type { NotificationsRepository, Written } from './notifications.repository';

/** A notification due this long is the sweeper's: its job was lost (Redis down or flushed, an instance gone). */
const SWEEP_GRACE_MS = 2000;

export interface DispatcherSettings {
  redis: RedisTarget;
  keyPrefix: string;
  /** Deliveries one instance runs at once. */
  concurrency: number;
  sweepSeconds: number;
}

/**
 * When notifications are delivered: each attempt is a job (platform/jobs: any instance's
 * workers take it; a retry is a delayed job), and underneath every instance sweeps the outbox
 * for pending notifications whose job was lost. Both paths call the same `deliver`, which claims
 * the row first, so a notification is never sent twice at once.
 */
export class NotificationDispatcher {
  private readonly jobs: JobQueue<{ ids: string[] }>;

  constructor(
    private readonly delivery: NotificationDelivery,
    repository: NotificationsRepository,
    settings: DispatcherSettings,
    registry: Registry,
    logger: Logger,
  ) {
    this.jobs = new JobQueue(
      {
        name: 'notifications',
        redis: settings.redis,
        keyPrefix: settings.keyPrefix,
        concurrency: settings.concurrency,
        lockDurationMs: 15_000,
        run: ({ ids }) => this.runAll(ids),
        sweep: { everySeconds: settings.sweepSeconds, run: async () => this.runAll(await repository.overdue(SWEEP_GRACE_MS, 100)) },
      },
      logger,
    );
    new Gauge({
      name: 'notifications_outbox_pending',
      help: 'Notifications waiting in the outbox (due or retrying).',
      registers: [registry],
      async collect() {
        this.set(await repository.pendingCount().catch(() => -1));
      },
    });
  }

  start(): void {
    this.jobs.start();
  }

  /**
   * Queues new outbox rows for delivery when due (after their transaction committed): one job for
   * the rows due at the same time (the alerts of one matching step), so a job's bookkeeping is
   * paid once per step, not once per volunteer.
   */
  async enqueue(written: readonly Written[]): Promise<void> {
    const byTime = new Map<number, string[]>();
    for (const { id, at } of written) byTime.set(at.getTime(), [...(byTime.get(at.getTime()) ?? []), id]);
    await Promise.all([...byTime].map(([at, ids]) => this.jobs.add(`${ids[0]}-0`, { ids }, new Date(at))));
  }

  close(): Promise<void> {
    return this.jobs.close();
  }

  /** A notification that fails fails the job, which is retried: what was delivered meanwhile is not claimed again. */
  private async runAll(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.run(id)));
  }

  /** A retry is one job per (notification, attempt): the sweeper may add one again freely. */
  private async run(id: string): Promise<void> {
    const retry = await this.delivery.deliver(id);
    if (retry) await this.jobs.add(`${id}-${retry.attempt}`, { ids: [id] }, retry.at);
  }
}
