import { JobQueue } from '../../platform/jobs';
import type { Logger } from '../../platform/logger';
import type { SosDisconnections } from './sos.disconnections';
import type { SosMatching, StepOutcome } from './sos.matching';
import type { SosRepository, SosRow } from './sos.repository';

/** A step this late is the sweeper's to run: its job was lost (Redis down, or flushed). */
const SWEEP_GRACE_MS = 2000;

export interface SchedulerSettings {
  redisUrl: string;
  keyPrefix: string;
  sweepSeconds: number;
}

/**
 * When matching steps run (and, on the same sweep, when silent volunteers are dropped). Each
 * step due in the future is a delayed job (platform/jobs), so whichever instance is alive when
 * it is due runs it, and a job whose instance died mid-run is retried by another. Underneath,
 * every instance sweeps PostgreSQL for overdue steps: if Redis lost the jobs (or was down when
 * they were to be added) the SOS still widens and escalates. Both paths call the same
 * idempotent `runDueStep`.
 */
export class SosScheduler {
  private readonly jobs: JobQueue<{ sosId: string }>;

  constructor(
    private readonly matching: SosMatching,
    private readonly repository: SosRepository,
    private readonly disconnections: SosDisconnections,
    settings: SchedulerSettings,
    private readonly logger: Logger,
  ) {
    this.jobs = new JobQueue(
      {
        name: 'sos-matching',
        redisUrl: settings.redisUrl,
        keyPrefix: settings.keyPrefix,
        // Below the pool size: each step holds one connection for its transaction.
        concurrency: 4,
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

  /** Runs the SOS's due step now (a new SOS, a re-match) and schedules the next; `known` is the row if the caller just wrote it. */
  async run(sosId: string, known?: SosRow): Promise<StepOutcome | null> {
    const outcome = await this.matching.runDueStep(sosId, known);
    if (outcome?.nextStepAt) {
      // One job per (SOS, round, step): adding it twice is a no-op, so every instance may try.
      const { matchingRound, matchingStep } = outcome.sos;
      await this.jobs.add(`${sosId}-${matchingRound}-${matchingStep}`, { sosId }, outcome.nextStepAt, { attempts: 3, delayMs: 500 });
    }
    return outcome;
  }

  close(): Promise<void> {
    return this.jobs.close();
  }

  private async sweep(): Promise<void> {
    for (const sosId of await this.repository.overdue(SWEEP_GRACE_MS, 20)) {
      this.logger.warn({ sosId }, 'overdue matching step run by the sweeper');
      await this.run(sosId);
    }
    for (const sosId of await this.disconnections.check()) await this.run(sosId);
  }
}
