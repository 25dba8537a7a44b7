import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { withTimeout } from '../../platform/async';
import type { Logger } from '../../platform/logger';
import type { SosDisconnections } from './sos.disconnections';
import type { SosMatching, StepOutcome } from './sos.matching';
import type { SosRepository } from './sos.repository';

const QUEUE = 'sos-matching';
/** BullMQ waits for its connection indefinitely; an SOS must not wait on a Redis that is down. */
const QUEUE_TIMEOUT_MS = 1000;

/** A step this late is the sweeper's to run: its job was lost (Redis down, or flushed). */
const SWEEP_GRACE_MS = 2000;

export interface SchedulerSettings {
  redisUrl: string;
  keyPrefix: string;
  sweepSeconds: number;
}

/**
 * When matching steps run (and, on the same sweep, when silent volunteers are dropped). Each
 * step due in the future is a delayed BullMQ job in Redis, so
 * whichever instance is alive when it is due runs it, and a job whose instance died mid-run is
 * retried by another. Underneath, every instance sweeps PostgreSQL for overdue steps: if Redis
 * lost the jobs (or was down when they were to be added) the SOS still widens and escalates.
 * Both paths call the same idempotent `runDueStep`.
 */
export class SosScheduler {
  private queue?: Queue;
  private worker?: Worker;
  private connections: Redis[] = [];
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly matching: SosMatching,
    private readonly repository: SosRepository,
    private readonly disconnections: SosDisconnections,
    private readonly settings: SchedulerSettings,
    private readonly logger: Logger,
  ) {}

  /** Starts working jobs and sweeping (the API server does; operator scripts do not). */
  start(): void {
    const settings = this.settings;
    // BullMQ wants its own connections: adding fails fast while Redis is down (the sweeper covers),
    // the worker waits for Redis as long as it takes.
    const queueConnection = new Redis(settings.redisUrl, { connectTimeout: 2000, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const workerConnection = new Redis(settings.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: null });
    this.connections = [queueConnection, workerConnection];
    const prefix = `${settings.keyPrefix}bull`;
    this.queue = new Queue(QUEUE, { connection: queueConnection, prefix });
    this.worker = new Worker(QUEUE, async (job) => this.run(job.data.sosId as string), {
      connection: workerConnection,
      prefix,
      // Below the pool size: each step holds one connection for its transaction.
      concurrency: 4,
      // A job whose instance died is handed to another after this long.
      lockDuration: 10_000,
      stalledInterval: 5_000,
    });
    const warn = (err: Error) => this.logger.warn({ err: { message: err.message } }, 'matching queue error');
    this.queue.on('error', warn);
    this.worker.on('error', warn);
    for (const connection of this.connections) connection.on('error', () => undefined);
    this.sweeper = setInterval(() => void this.sweep(), settings.sweepSeconds * 1000);
    this.sweeper.unref();
  }

  /** Runs the SOS's due step now (a new SOS, a re-match) and schedules the next. */
  async run(sosId: string): Promise<StepOutcome | null> {
    const outcome = await this.matching.runDueStep(sosId);
    if (outcome?.nextStepAt) await this.schedule(sosId, outcome.sos.matchingRound, outcome.sos.matchingStep, outcome.nextStepAt);
    return outcome;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    // Closing waits for the worker's current jobs; with Redis gone it would wait forever.
    await withTimeout(Promise.allSettled([this.worker?.close(), this.queue?.close()]), 5000, 'closing the matching queue').catch(() => undefined);
    for (const connection of this.connections) connection.disconnect();
  }

  /** One job per (SOS, round, step): adding it twice is a no-op, so every instance may try. */
  private async schedule(sosId: string, round: number, step: number, at: Date): Promise<void> {
    try {
      const options = { jobId: `${sosId}-${round}-${step}`, delay: Math.max(0, at.getTime() - Date.now()), removeOnComplete: true, removeOnFail: 1000, attempts: 3, backoff: { type: 'fixed' as const, delay: 500 } };
      if (!this.queue) throw new Error('the scheduler is not started');
      await withTimeout(this.queue.add('step', { sosId }, options), QUEUE_TIMEOUT_MS, 'queueing a matching step');
    } catch (err) {
      this.logger.warn({ sosId, err: { message: (err as Error).message } }, 'matching step not queued; the sweeper will run it');
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const sosId of await this.repository.overdue(SWEEP_GRACE_MS, 20)) {
        this.logger.warn({ sosId }, 'overdue matching step run by the sweeper');
        await this.run(sosId);
      }
      for (const sosId of await this.disconnections.check()) await this.run(sosId);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'matching sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
