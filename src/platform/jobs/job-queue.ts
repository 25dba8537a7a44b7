import { Queue, Worker } from 'bullmq';
import { withTimeout } from '../async';
import type { Logger } from '../logger';
import { connectRedis, type Redis, type RedisTarget } from '../redis';
import { jobTelemetry } from '../tracing';

/** BullMQ waits for its connection indefinitely; adding work must not wait on a Redis that is down. */
const ADD_TIMEOUT_MS = 1000;

export interface JobQueueSettings<Data> {
  /** The BullMQ queue name (its keys are under `<keyPrefix>bull:{<name>}`). */
  name: string;
  redis: RedisTarget;
  keyPrefix: string;
  /** Jobs one instance runs at once. */
  concurrency: number;
  /** A job whose instance died is handed to another after this long. */
  lockDurationMs: number;
  run(data: Data): Promise<void>;
  /**
   * Runs every `everySeconds` on every instance, whatever Redis does: it finds in PostgreSQL the
   * work whose job was lost (Redis down or flushed, an instance gone) and does it. One at a time.
   */
  sweep: { everySeconds: number; run(): Promise<void> };
}

/**
 * Work in the background, the way the API does it everywhere: a BullMQ queue in Redis (any
 * instance's workers take a job, a delayed job runs when due) with a PostgreSQL sweeper beneath,
 * because PostgreSQL holds what is to be done and Redis only when. Adding fails fast while Redis
 * is down (the sweeper covers); the worker waits for Redis as long as it takes.
 */
export class JobQueue<Data extends object> {
  private queue?: Queue;
  private worker?: Worker;
  private connections: Redis[] = [];
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly settings: JobQueueSettings<Data>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const { name, redis, keyPrefix, concurrency, lockDurationMs } = this.settings;
    // BullMQ wants its own connections: one that fails fast for adding, one that waits for the worker.
    const queueConnection = connectRedis(redis, { connectTimeout: 2000, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const workerConnection = connectRedis(redis, { connectTimeout: 2000, maxRetriesPerRequest: null });
    this.connections = [queueConnection, workerConnection];
    // BullMQ's scripts touch many keys of a queue at once: in a cluster they must share a slot,
    // which the hash tag gives them (one per queue, so queues spread over the nodes).
    const prefix = `${keyPrefix}bull:{${name}}`;
    // Traced, a job carries the trace it was added in, and its run joins that trace.
    const telemetry = jobTelemetry();
    this.queue = new Queue(name, { connection: queueConnection, prefix, telemetry });
    this.worker = new Worker(name, (job) => this.settings.run(job.data as Data), { connection: workerConnection, prefix, concurrency, lockDuration: lockDurationMs, stalledInterval: 5_000, telemetry });
    const warn = (err: Error) => this.logger.warn({ queue: name, err: { message: err.message } }, 'job queue error');
    this.queue.on('error', warn);
    this.worker.on('error', warn);
    // What it was to do stays in PostgreSQL: the sweeper does it, or a retry of the job.
    this.worker.on('failed', (job, err) => this.logger.error({ queue: name, jobId: job?.id, err: { message: err.message } }, 'job failed'));
    for (const connection of this.connections) connection.on('error', () => undefined);
    this.sweeper = setInterval(() => void this.sweep(), this.settings.sweep.everySeconds * 1000);
    this.sweeper.unref();
  }

  /**
   * Adds a job to run at `at`; a job id added before is not added again, so every instance may
   * add the same work. False (logged) when Redis did not take it: the sweeper will do it.
   */
  async add(jobId: string, data: Data, at: Date, retries: { attempts: number; delayMs: number } | null = null): Promise<boolean> {
    try {
      if (!this.queue) throw new Error(`the ${this.settings.name} queue is not started`);
      const options = {
        jobId,
        delay: Math.max(0, at.getTime() - Date.now()),
        removeOnComplete: true,
        removeOnFail: 1000,
        ...(retries ? { attempts: retries.attempts, backoff: { type: 'fixed' as const, delay: retries.delayMs } } : {}),
      };
      await withTimeout(this.queue.add(this.settings.name, data, options), ADD_TIMEOUT_MS, `queueing a ${this.settings.name} job`);
      return true;
    } catch (err) {
      this.logger.warn({ queue: this.settings.name, jobId, err: { message: (err as Error).message } }, 'job not queued; the sweeper will do it');
      return false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    // Closing waits for the worker's current jobs; with Redis gone it would wait forever.
    await withTimeout(Promise.allSettled([this.worker?.close(), this.queue?.close()]), 5000, `closing the ${this.settings.name} queue`).catch(() => undefined);
    for (const connection of this.connections) connection.disconnect();
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.settings.sweep.run();
    } catch (err) {
      this.logger.warn({ queue: this.settings.name, err: { message: (err as Error).message } }, 'sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
