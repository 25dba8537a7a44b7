import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../../platform/async';
import type { Logger } from '../../platform/logger';
import type { NotificationDelivery } from './notifications.delivery';
import type { NotificationsRepository } from './notifications.repository';

const QUEUE = 'notifications';
/** BullMQ waits for its connection indefinitely; a notification must not wait on a Redis that is down. */
const QUEUE_TIMEOUT_MS = 1000;
/** A notification due this long is the sweeper's: its job was lost (Redis down or flushed, an instance gone). */
const SWEEP_GRACE_MS = 2000;

export interface DispatcherSettings {
  redisUrl: string;
  keyPrefix: string;
  /** Deliveries one instance runs at once. */
  concurrency: number;
  sweepSeconds: number;
}

/**
 * When notifications are delivered: each is a BullMQ job (any instance's workers take it; a
 * retry is a delayed job), and underneath every instance sweeps the outbox in PostgreSQL for
 * pending notifications whose job was lost. Both paths call the same `deliver`, which claims the
 * row first, so a notification is never sent twice at once.
 */
export class NotificationDispatcher {
  private queue?: Queue;
  private worker?: Worker;
  private connections: Redis[] = [];
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly delivery: NotificationDelivery,
    private readonly repository: NotificationsRepository,
    private readonly settings: DispatcherSettings,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    const repo = repository;
    new Gauge({
      name: 'notifications_outbox_pending',
      help: 'Notifications waiting in the outbox (due or retrying).',
      registers: [registry],
      async collect() {
        this.set(await repo.pendingCount().catch(() => -1));
      },
    });
  }

  start(): void {
    const { redisUrl, keyPrefix, concurrency, sweepSeconds } = this.settings;
    const queueConnection = new Redis(redisUrl, { connectTimeout: 2000, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const workerConnection = new Redis(redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: null });
    this.connections = [queueConnection, workerConnection];
    const prefix = `${keyPrefix}bull`;
    this.queue = new Queue(QUEUE, { connection: queueConnection, prefix });
    this.worker = new Worker(QUEUE, async (job) => this.run(job.data.id as string), { connection: workerConnection, prefix, concurrency, lockDuration: 15_000, stalledInterval: 5_000 });
    const warn = (err: Error) => this.logger.warn({ err: { message: err.message } }, 'notification queue error');
    this.queue.on('error', warn);
    this.worker.on('error', warn);
    // The row stays pending: its next attempt comes from the sweeper once its lease ends.
    this.worker.on('failed', (job, err) => this.logger.error({ notificationId: job?.data.id, err: { message: err.message } }, 'notification delivery failed'));
    for (const connection of this.connections) connection.on('error', () => undefined);
    this.sweeper = setInterval(() => void this.sweep(), sweepSeconds * 1000);
    this.sweeper.unref();
  }

  /** Queues new outbox rows for delivery now (after their transaction committed). */
  async enqueue(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.schedule(id, 0, new Date())));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await withTimeout(Promise.allSettled([this.worker?.close(), this.queue?.close()]), 5000, 'closing the notification queue').catch(() => undefined);
    for (const connection of this.connections) connection.disconnect();
  }

  private async run(id: string): Promise<void> {
    const retry = await this.delivery.deliver(id);
    if (retry) await this.schedule(id, retry.attempt, retry.at);
  }

  /** One job per (notification, attempt): adding it twice is a no-op, so the sweeper may re-add freely. */
  private async schedule(id: string, attempt: number, at: Date): Promise<void> {
    try {
      if (!this.queue) throw new Error('the notification dispatcher is not started');
      const options = { jobId: `${id}-${attempt}`, delay: Math.max(0, at.getTime() - Date.now()), removeOnComplete: true, removeOnFail: 1000 };
      await withTimeout(this.queue.add('deliver', { id }, options), QUEUE_TIMEOUT_MS, 'queueing a notification');
    } catch (err) {
      this.logger.warn({ notificationId: id, err: { message: (err as Error).message } }, 'notification not queued; the sweeper will deliver it');
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await Promise.all((await this.repository.overdue(SWEEP_GRACE_MS, 100)).map((id) => this.run(id)));
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'notification sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
