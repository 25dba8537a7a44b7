import type { Sql, Tx } from '../../platform/db';
import type { Emitter, EventBus } from '../../platform/events';
import { AppError, isDependencyUnavailable } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { FlagRaiser } from '../moderation';
import type { SosAlertsRepository } from './sos-alerts.repository';
import type { SosEvents } from './sos.events';
import { flagRaisedSos } from './sos.intake';
import type { SosLifecycle } from './sos.lifecycle';
import type { JournaledAccept, OutageJournal, QueuedSos } from './sos.outage-journal';
import type { SosRepository } from './sos.repository';
import type { SosScheduler } from './sos.scheduler';
import { SosEventType, SosStatus } from './types/sos-enums';

/** How often each instance looks whether the journal holds anything (one Redis command). */
const LOOK_EVERY_MS = 1000;
/** Queued SOS written per look: well within the replay lock's 15 s. */
const BATCH = 100;
/** Queued SOS written at once (each holds a pooled connection for its transaction). */
const CONCURRENCY = 4;

/**
 * Writes what the outage journal holds to PostgreSQL once it answers again, oldest first, by
 * one instance at a time (a lock in Redis). Each SOS is written with the events and offers it
 * had in the journal, and its journaled accept, in one transaction that first looks whether an
 * earlier replay wrote it: so an instance dying between the write and the journal's cleanup
 * writes nothing twice. Matching then goes on from where the journal left it.
 */
export class OutageReplay {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly journal: OutageJournal,
    private readonly repository: SosRepository,
    private readonly alerts: SosAlertsRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<SosEvents>,
    private readonly lifecycle: SosLifecycle,
    private readonly scheduler: SosScheduler,
    private readonly flags: FlagRaiser,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.replay(), LOOK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Replays one batch if there is anything to replay and no other instance is at it. */
  async replay(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let lock: string | null = null;
    try {
      if (await this.journal.isEmpty()) return;
      lock = await this.journal.claimReplay();
      if (!lock) return;
      const entries = await this.journal.oldest(BATCH);
      // Oldest first, a few at a time: each SOS is written in one transaction of its own (its
      // events in order), and after an outage every second counts for the people waiting.
      for (let i = 0; i < entries.length; i += CONCURRENCY) {
        const outcomes = await Promise.all(entries.slice(i, i + CONCURRENCY).map(({ entryId, sos }) => this.replayEntry(entryId, sos).then(() => null, (err: unknown) => ({ sos, err }))));
        let unreachable = false;
        for (const failed of outcomes) {
          if (!failed) continue;
          // PostgreSQL still (or again) unreachable: the rest waits for the next look.
          if (isDependencyUnavailable(failed.err)) unreachable = true;
          // Anything else is a bug to see in the log; the SOS stays in the journal, the others go on.
          else this.logger.error({ sosId: failed.sos?.id, err: { message: (failed.err as Error).message } }, 'queued SOS could not be written to PostgreSQL');
        }
        if (unreachable) return;
      }
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'outage journal replay paused');
    } finally {
      if (lock) await this.journal.releaseReplay(lock).catch(() => undefined);
      this.running = false;
    }
  }

  /** Writes one queued SOS (again, harmlessly, after a crash) until the journal can forget it with nothing left unwritten. */
  private async replayEntry(entryId: string, sos: QueuedSos | null): Promise<void> {
    if (!sos) {
      await this.journal.remove(entryId, null, false);
      return;
    }
    let accept = await this.journal.acceptOf(sos.id);
    for (;;) {
      await this.write(sos, accept);
      if (await this.journal.remove(entryId, sos, accept !== null)) return;
      // A volunteer accepted through the journal meanwhile: write that too before forgetting it.
      accept = await this.journal.acceptOf(sos.id);
    }
  }

  private async write(sos: QueuedSos, accept: JournaledAccept | null): Promise<void> {
    const matching = await this.events.transaction(this.sql, async (tx, { emit }) => {
      const written = await this.repository.lock(tx, sos.id);
      if (written) {
        // An earlier replay wrote it: only an accept it did not write may be left to do.
        return accept !== null && !(await this.replayAccept(tx, emit, sos, accept));
      }
      const open = await this.repository.findOpenByRequester(sos.requesterId, tx);
      if (open) {
        await this.writeSuperseded(tx, emit, sos, open.id);
        return false;
      }
      const inserted = await this.insert(tx, sos, undefined);
      if (!inserted) return false;
      const offered = await this.alerts.insert(
        tx,
        sos.alerts.map((a) => ({ id: a.id, sosId: sos.id, volunteerId: a.volunteerId, round: 0, step: 0, distanceMeters: a.distanceMeters, expiresAt: new Date(a.expiresAt) })),
      );
      // As matching's first step would have left it: the offers' expiry is when the search widens.
      const nextStepAt = new Date(offered.length > 0 ? Math.max(...offered.map((a) => a.expiresAt.getTime())) : sos.queuedAt);
      const counted = offered.length > 0 ? { offersMade: offered.length, firstAlertAt: new Date(sos.queuedAt) } : {};
      await this.repository.update(tx, sos.id, { status: SosStatus.MATCHING, searchRadiusMeters: sos.radiusMeters, matchingStep: 1, nextStepAt, ...counted });
      const started = await this.repository.appendEvent(
        tx,
        sos.id,
        SosEventType.MATCHING_STARTED,
        `Searching within ${sos.radiusMeters} m; ${offered.length} volunteer(s) alerted (taken in while the database was unreachable)`,
        new Date(sos.queuedAt),
      );
      await emit('sos.changed', { events: [inserted.created, started], alerts: offered });
      this.logger.info({ sosId: sos.id, accepted: Boolean(accept) }, 'queued SOS written to PostgreSQL');
      return !(accept && (await this.replayAccept(tx, emit, sos, accept)));
    });
    if (matching) await this.scheduler.run(sos.id).catch((err: unknown) => this.logger.warn({ sosId: sos.id, err: { message: (err as Error).message } }, 'matching of a replayed SOS left to the sweeper'));
  }

  /** The journaled accept, as of when it was made; refused (logged) if it no longer may be, and matching goes on. */
  private async replayAccept(tx: Tx, emit: Emitter<SosEvents>['emit'], sos: QueuedSos, accept: JournaledAccept): Promise<boolean> {
    try {
      await this.lifecycle.take(tx, emit, sos.id, { id: accept.volunteerId, userId: accept.volunteerUserId }, new Date(accept.at));
      return true;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      this.logger.warn({ sosId: sos.id, volunteerId: accept.volunteerId, reason: err.message }, 'journaled accept of a queued SOS refused on replay');
      return false;
    }
  }

  /**
   * The person already had an open SOS in PostgreSQL when they raised this one: PostgreSQL keeps
   * one open SOS a person, so this one is written closed, saying which one stands.
   */
  private async writeSuperseded(tx: Tx, emit: Emitter<SosEvents>['emit'], sos: QueuedSos, openSosId: string): Promise<void> {
    const inserted = await this.insert(tx, sos, SosStatus.CANCELLED);
    if (!inserted) return;
    const note = `Raised while the database was unreachable, when SOS ${openSosId} was open already; that one stands`;
    await this.repository.update(tx, sos.id, { closedAt: new Date(), nextStepAt: null, closeNote: note });
    const cancelled = await this.repository.appendEvent(tx, sos.id, SosEventType.CANCELLED, note);
    await emit('sos.changed', { events: [inserted.created, cancelled], alerts: [] });
    this.logger.warn({ sosId: sos.id, openSosId }, 'queued SOS written cancelled: the person had an open SOS');
  }

  /** The SOS row and its CREATED event, as of when it was queued, with its review flags; null if the key is written already. */
  private async insert(tx: Tx, sos: QueuedSos, status: SosStatus | undefined) {
    const inserted = await this.repository.insert(tx, {
      id: sos.id,
      requesterId: sos.requesterId,
      idempotencyKey: sos.idempotencyKey,
      category: sos.category,
      description: sos.description,
      location: { latitude: sos.latitude, longitude: sos.longitude, accuracyMeters: sos.accuracyMeters },
      requiredSkills: sos.requiredSkills,
      clientIp: sos.clientIp,
      flagReasons: sos.flagReasons,
      createdAt: new Date(sos.queuedAt),
      status,
    });
    if (inserted) await flagRaisedSos(this.flags, tx, sos);
    return inserted;
  }
}
