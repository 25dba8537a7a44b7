import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger';
import type { PubSub } from '../../platform/pubsub';
import type { VolunteersService } from '../volunteers';
import { sosErrors } from './sos.errors';
import type { JournaledAccept, OutageJournal, QueuedAlert, QueuedSos } from './sos.outage-journal';
import type { SosRow } from './sos.repository';
import { sosTopics, type PublishedAlert } from './sos.topics';
import { AlertStatus, SosStatus } from './types/sos-enums';

export interface OutageSettings {
  /** The first matching radius: the one a queued SOS is matched within from Redis. */
  firstRadiusMeters: number;
  alertsPerStep: number;
  stepTimeoutSeconds: number;
  /** Whether volunteers no admin has verified yet are alerted (MATCH_UNVERIFIED_VOLUNTEERS), as matching does. */
  matchUnverified: boolean;
}

/** What a queued SOS is raised with (the journal adds when, and whom it alerted). */
export type QueuedInput = Omit<QueuedSos, 'queuedAt' | 'radiusMeters' | 'alerts'>;

/** An SOS as the API shows it while it is in the outage journal (see `SosRow.queued`). */
export function queuedSosRow(sos: QueuedSos, accept: JournaledAccept | null): SosRow {
  return {
    id: sos.id,
    requesterId: sos.requesterId,
    // Which city it is in, PostgreSQL says once the SOS is written there.
    cityId: null,
    category: sos.category,
    description: sos.description,
    latitude: sos.latitude,
    longitude: sos.longitude,
    status: accept ? SosStatus.ACCEPTED : sos.alerts.length > 0 ? SosStatus.MATCHING : SosStatus.PENDING,
    searchRadiusMeters: sos.radiusMeters,
    requiredSkills: sos.requiredSkills,
    assignedVolunteerId: accept?.volunteerId ?? null,
    matchingRound: 0,
    matchingStep: 1,
    nextStepAt: null,
    lastSeq: 0,
    flaggedForReview: sos.flagReasons.length > 0,
    createdAt: new Date(sos.queuedAt),
    acceptedAt: accept ? new Date(accept.at) : null,
    arrivedAt: null,
    closedAt: null,
    queued: { alertedVolunteerIds: sos.alerts.map((a) => a.volunteerId) },
  };
}

/**
 * Taking in an SOS, and its accept, while PostgreSQL is unreachable (the database circuit is
 * open, or it stopped answering): the SOS goes to the outage journal in Redis and the nearest
 * volunteers of the live index are alerted at once, so help starts moving; the replayer writes
 * it all to PostgreSQL when the database is back (sos.outage-replay.ts). With Redis down as
 * well, nothing can hold the SOS and the caller answers UNAVAILABLE.
 */
export class OutageIntake {
  constructor(
    private readonly journal: OutageJournal,
    private readonly volunteers: VolunteersService,
    private readonly pubsub: PubSub,
    private readonly settings: OutageSettings,
    private readonly logger: Logger,
  ) {}

  /** The queued SOS a new raise must answer with: the same key's, or CONFLICT naming the open one. Null when there is none. */
  async pending(requesterId: string, idempotencyKey: string): Promise<SosRow | null> {
    const { sameKey, openSosId } = await this.journal.queuedFor(requesterId, idempotencyKey);
    if (sameKey) return queuedSosRow(sameKey, await this.journal.acceptOf(sameKey.id));
    if (openSosId) throw sosErrors.alreadyOpen(openSosId);
    return null;
  }

  async raise(input: QueuedInput): Promise<SosRow> {
    const queuedAt = Date.now();
    const alerts = await this.nearest(input, queuedAt);
    const outcome = await this.journal.enqueue({ ...input, queuedAt, radiusMeters: this.settings.firstRadiusMeters, alerts });
    if (outcome.kind === 'open') throw sosErrors.alreadyOpen(outcome.openSosId);
    if (outcome.kind === 'retried') return queuedSosRow(outcome.sos, await this.journal.acceptOf(outcome.sos.id));
    this.logger.warn({ sosId: input.id, alerted: alerts.length }, 'SOS queued in Redis: PostgreSQL is unreachable');
    const row = queuedSosRow(outcome.sos, null);
    await this.announce(row, outcome.sos.alerts, () => AlertStatus.OFFERED);
    return row;
  }

  /**
   * The first accept of a queued SOS wins, as in PostgreSQL; the winner's retry gets it again.
   * Null when the SOS is not in the journal (unknown, or written to PostgreSQL meanwhile).
   */
  async accept(userId: string, sosId: string): Promise<SosRow | null> {
    const sos = await this.journal.get(sosId);
    if (!sos) return null;
    const volunteerId = await this.volunteers.volunteerIdFromIndex(userId);
    const alert = sos.alerts.find((a) => a.volunteerId === volunteerId);
    if (!volunteerId || !alert) throw sosErrors.notFound();
    const prior = await this.journal.acceptOf(sosId);
    if (!prior && alert.expiresAt <= Date.now()) throw sosErrors.offerClosed('EXPIRED');
    const outcome = await this.journal.accept(sosId, { volunteerId, volunteerUserId: userId, at: Date.now() });
    if (outcome.kind === 'missing') return null;
    if (outcome.accept.volunteerId !== volunteerId) throw sosErrors.wrongState(SosStatus.ACCEPTED, 'accepted');
    const row = queuedSosRow(sos, outcome.accept);
    if (outcome.kind === 'accepted') {
      this.logger.info({ sosId, volunteerId }, 'queued SOS accepted; journaled until PostgreSQL is back');
      await this.announce(row, sos.alerts, (a) => (a.volunteerId === volunteerId ? AlertStatus.ACCEPTED : AlertStatus.WITHDRAWN));
    }
    return row;
  }

  /** A queued SOS for one who may see it (its requester, an alerted or the accepting volunteer), else null. */
  async view(userId: string | null, sosId: string): Promise<SosRow | null> {
    const sos = userId ? await this.journal.get(sosId) : null;
    if (!sos) return null;
    const accept = await this.journal.acceptOf(sosId);
    if (sos.requesterId === userId) return queuedSosRow(sos, accept);
    const volunteerId = await this.volunteers.volunteerIdFromIndex(userId!);
    return volunteerId && sos.alerts.some((a) => a.volunteerId === volunteerId) ? queuedSosRow(sos, accept) : null;
  }

  /**
   * The open offers of queued SOS to this volunteer (a volunteer whose app subscribes to its
   * alerts while PostgreSQL is unreachable). The journal holds the few SOS of an outage.
   */
  async offersTo(volunteerId: string): Promise<PublishedAlert[]> {
    const offers: PublishedAlert[] = [];
    for (const { sos, accept } of await this.journal.all()) {
      const alert = sos.alerts.find((a) => a.volunteerId === volunteerId);
      if (!alert || accept || alert.expiresAt <= Date.now()) continue;
      offers.push(this.offer(queuedSosRow(sos, null), alert, AlertStatus.OFFERED));
    }
    return offers;
  }

  /** Nearest first from the live index, unranked; no alerts when Redis cannot search (the journal then decides). */
  private async nearest(input: QueuedInput, now: number): Promise<QueuedAlert[]> {
    const own = await this.volunteers.volunteerIdFromIndex(input.requesterId).catch(() => null);
    const hits = await this.volunteers
      .nearestFromIndex(input, this.settings.firstRadiusMeters, {
        limit: this.settings.alertsPerStep,
        skills: input.requiredSkills,
        excludeIds: own ? [own] : [],
        verifiedOnly: !this.settings.matchUnverified,
      })
      .catch((err: unknown) => {
        this.logger.warn({ sosId: input.id, err: { message: (err as Error).message } }, 'no volunteers alerted for a queued SOS: the live index did not answer');
        return [];
      });
    const expiresAt = now + this.settings.stepTimeoutSeconds * 1000;
    return hits.map((hit) => ({ id: randomUUID(), volunteerId: hit.volunteerId, distanceMeters: hit.distanceMeters, expiresAt }));
  }

  /** Best effort, like every announcement: the replay announces the same offers (same ids) from PostgreSQL. */
  private async announce(sos: SosRow, alerts: readonly QueuedAlert[], status: (alert: QueuedAlert) => AlertStatus): Promise<void> {
    await Promise.all(alerts.map((alert) => this.pubsub.publish(sosTopics.alerts, alert.volunteerId, this.offer(sos, alert, status(alert))))).catch((err: unknown) =>
      this.logger.warn({ sosId: sos.id, err: { message: (err as Error).message } }, 'alerts of a queued SOS not announced'),
    );
  }

  private offer(sos: SosRow, alert: QueuedAlert, status: AlertStatus): PublishedAlert {
    return {
      id: alert.id,
      sosId: sos.id,
      volunteerId: alert.volunteerId,
      round: 0,
      step: 0,
      distanceMeters: alert.distanceMeters,
      status,
      expiresAt: new Date(alert.expiresAt),
      createdAt: sos.createdAt,
      seenAt: null,
      sos,
    };
  }
}
