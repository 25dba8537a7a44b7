import { Counter, Gauge, type Registry } from 'prom-client';
import { JobQueue } from '../../platform/jobs';
import type { Logger } from '../../platform/logger';
import type { RedisTarget } from '../../platform/redis';
import { inSpan } from '../../platform/tracing';
import type { SosDisconnections } from './sos.disconnections';
import type { SosMatching, StepOutcome } from './sos.matching';
import type { SosRepository, SosRow } from './sos.repository';

/** A step this late is the sweeper's to run: its job was lost (Redis down, or flushed). */
const SWEEP_GRACE_MS = 2000;

export interface SchedulerSettings {
  redis: RedisTarget;
  keyPrefix: string;
  sweepSeconds: number;
  /** Matching steps one instance runs at once, for new SOS (and as many again for jobs). */
  concurrency: number;
  /** New SOS one instance keeps waiting for a step; past that they go to the shared queue. */
  queueLength: number;
}

/**
 * When matching steps run (and, on the same sweep, when silent volunteers are dropped). Each
 * step due in the future is a delayed job (platform/jobs), so whichever instance is alive when
 * it is due runs it, and a job whose instance died mid-run is retried by another. Underneath,
 * every instance sweeps PostgreSQL for overdue steps: if Redis lost the jobs (or was down when
 * they were to be added) the SOS still widens and escalates. Both paths call the same
 * idempotent `runDueStep`.
 *
 * A new SOS's first step is bounded work too (see `begin`): past saturation, SOS wait their
 * turn in order rather than all sharing one overloaded event loop.
 */
export class SosScheduler {
  private readonly jobs: JobQueue<{ sosId: string }>;
  /** First steps of new SOS running here (the job worker has slots of its own, so neither starves the other). */
  private starting = 0;
  /** New SOS waiting for a step here, oldest first. */
  private readonly waiting: SosRow[] = [];
  private readonly waitingGauge: Gauge;
  private readonly shared: Counter;

  constructor(
    private readonly matching: SosMatching,
    private readonly repository: SosRepository,
    private readonly disconnections: SosDisconnections,
    private readonly settings: SchedulerSettings,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.waitingGauge = new Gauge({ name: 'sos_matching_waiting', help: 'New SOS waiting on this instance for their first matching step.', registers: [registry] });
    this.shared = new Counter({
      name: 'sos_matching_shared_total',
      help: 'New SOS whose first matching step went to the shared queue because this instance had SOS_MATCHING_QUEUE_LENGTH waiting already.',
      registers: [registry],
    });
    this.jobs = new JobQueue(
      {
        name: 'sos-matching',
        redis: settings.redis,
        keyPrefix: settings.keyPrefix,
        // Steps wait on PostgreSQL and Redis most of their time: many at once keep the pool busy.
        concurrency: settings.concurrency,
        lockDurationMs: 10_000,
        run: async ({ sosId }) => void (await this.run(sosId)),
        sweep: { everySeconds: settings.sweepSeconds, run: () => this.sweep() },
      },
      logger,
    );
  }

  /** Starts working jobs and sweeping (the API server does; operator scripts do not). */
  start(): void {
    this.jobs.start();
  }

  /**
   * Starts matching a new SOS. With a step free here and none waiting, its first step runs at
   * once, within the raise. Otherwise it waits its turn ('queued'): in this instance's queue,
   * bounded, or past that in the shared queue, which any instance with a free step takes. Past
   * saturation the SOS raised first keep fast alerts and the later ones wait in order, counted in
   * /metrics, instead of all sharing one overloaded event loop and all waiting seconds. What
   * waits is in PostgreSQL and due: should this instance die, the sweepers of the others run it.
   */
  async begin(sos: SosRow): Promise<StepOutcome | 'queued' | null> {
    if (this.starting < this.settings.concurrency && this.waiting.length === 0) return this.startFirst(sos);
    if (this.waiting.length < this.settings.queueLength) {
      this.waitingGauge.set(this.waiting.push(sos));
      return 'queued';
    }
    if (await this.jobs.add(stepJobId(sos), { sosId: sos.id }, new Date(), RETRIES)) {
      this.shared.inc();
      return 'queued';
    }
    // Neither here nor in Redis: run it now, however busy (as the sweeper would, later).
    return this.startFirst(sos);
  }

  /** Runs the SOS's due step now (a new SOS, a re-match) and schedules the next; `known` is the row if the caller just wrote it. */
  async run(sosId: string, known?: SosRow): Promise<StepOutcome | null> {
    return inSpan('sos matching step', async (span) => {
      span.setAttribute('sos.id', sosId);
      const outcome = await this.matching.runDueStep(sosId, known);
      if (outcome) span.setAttributes({ 'sos.matching.step': outcome.sos.matchingStep, 'sos.matching.offered': outcome.offered });
      if (outcome?.nextStepAt) await this.jobs.add(stepJobId(outcome.sos), { sosId }, outcome.nextStepAt, RETRIES);
      return outcome;
    });
  }

  /** After a change that restarted matching (staff reassigned it): its step runs now if due, else when it is. */
  async resume(sos: SosRow): Promise<void> {
    if (sos.nextStepAt && sos.nextStepAt.getTime() > Date.now()) await this.jobs.add(stepJobId(sos), { sosId: sos.id }, sos.nextStepAt, RETRIES);
    else await this.run(sos.id);
  }

  /** A new SOS's first step in one of this instance's slots; the next one waiting follows. */
  private async startFirst(sos: SosRow): Promise<StepOutcome | null> {
    this.starting++;
    try {
      return await this.run(sos.id, sos);
    } finally {
      this.starting--;
      this.startWaiting();
    }
  }

  private startWaiting(): void {
    while (this.starting < this.settings.concurrency && this.waiting.length > 0) {
      const sos = this.waiting.shift()!;
      this.waitingGauge.set(this.waiting.length);
      this.startFirst(sos).catch((err: unknown) => this.logger.error({ sosId: sos.id, err: { message: (err as Error).message } }, 'matching did not start; the sweeper will start it'));
    }
  }

  close(): Promise<void> {
    // What waits here is due in PostgreSQL: the other instances' sweepers run it.
    this.waiting.length = 0;
    this.waitingGauge.set(0);
    return this.jobs.close();
  }

  private async sweep(): Promise<void> {
    for (const sosId of await this.repository.overdue(SWEEP_GRACE_MS, 20)) {
      this.logger.warn({ sosId }, 'overdue matching step run by the sweeper');
      await this.run(sosId);
    }
    await this.disconnections.check();
  }
}

const RETRIES = { attempts: 3, delayMs: 500 };

/** One job per (SOS, round, step): adding it twice is a no-op, so every instance may try. */
const stepJobId = (sos: SosRow) => `${sos.id}-${sos.matchingRound}-${sos.matchingStep}`;
