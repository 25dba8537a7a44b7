import { systemContext } from '../../platform/auth';
import { inTransaction, type Sql } from '../../platform/db';
import type { Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { VolunteerRow, VolunteerSearch, VolunteersService } from '../volunteers';
import type { AlertRow, SosEventRow, SosRepository, SosRow } from './sos.repository';
import { SosEventType, SosStatus } from './types/sos-enums';

export interface MatchingSettings {
  radiiMeters: readonly number[];
  alertsPerStep: number;
  stepTimeoutSeconds: number;
  alertsPerHour: number;
}

export interface StepOutcome {
  sos: SosRow;
  events: SosEventRow[];
  offered: AlertRow[];
  expired: AlertRow[];
  /** When the next step is due, or null when matching is over (escalated). */
  nextStepAt: Date | null;
}

/** A step may run this much before its due time (timers and clocks are not exact). */
const EARLY_MS = 1000;
/** Candidates fetched per alert to be handed out, so ranking and filters have room. */
const CANDIDATES_PER_ALERT = 4;

/**
 * Matching of one SOS, a step at a time: search within the step's radius, rank, alert the best
 * few, and set when the next step is due. Everything a step decides is written in one
 * transaction under the SOS's row lock, and a step runs only when it is due: so whoever calls
 * it (the job queue, the sweeper, two instances at once, a retry after a crash), each step
 * happens exactly once.
 */
export class SosMatching {
  constructor(
    private readonly repository: SosRepository,
    private readonly sql: Sql,
    private readonly search: VolunteerSearch,
    private readonly volunteers: VolunteersService,
    private readonly settings: MatchingSettings,
    private readonly logger: Logger,
  ) {}

  /** Runs the SOS's next step if it is due (else null). */
  async runDueStep(sosId: string): Promise<StepOutcome | null> {
    // Candidates are chosen before the transaction: searching and ranking read through the shared
    // pool, and a transaction holding a connection while waiting for another could starve it.
    // What the choice rests on (due, step, not yet alerted, not busy) is checked again under the lock.
    const [peek] = await this.repository.findByIds([sosId]);
    if (!peek || !this.isDue(peek)) return null;
    const step = peek.matchingStep;
    const last = step >= this.settings.radiiMeters.length;
    const chosen = last ? [] : await this.choose(peek, this.settings.radiiMeters[step]);

    return inTransaction(this.sql, async (tx) => {
      const sos = await this.repository.lock(tx, sosId);
      if (!sos || !this.isDue(sos) || sos.matchingStep !== step || sos.matchingRound !== peek.matchingRound) return null;

      const expired = await this.repository.closeOpenAlerts(tx, sos.id, 'EXPIRED');
      if (last) {
        await this.repository.update(tx, sos.id, { status: SosStatus.ESCALATED, nextStepAt: null });
        const event = await this.repository.appendEvent(tx, sos.id, SosEventType.ESCALATED, `Nobody accepted within ${sos.searchRadiusMeters} m; professionals are alerted`);
        this.logger.warn({ sosId: sos.id }, 'SOS escalated');
        return { sos: { ...sos, status: SosStatus.ESCALATED }, events: [event], offered: [], expired, nextStepAt: null };
      }

      const radius = this.settings.radiiMeters[step];
      const alerted = new Set(await this.repository.alertedVolunteerIds(tx, sos.id));
      const busy = await this.repository.busyVolunteers(tx, chosen.map((c) => c.volunteer.id));
      const now = Date.now();
      const expiresAt = new Date(now + this.settings.stepTimeoutSeconds * 1000);
      const offered = await this.repository.insertAlerts(
        tx,
        chosen
          .filter((c) => !alerted.has(c.volunteer.id) && !busy.has(c.volunteer.id))
          .map((c) => ({ sosId: sos.id, volunteerId: c.volunteer.id, round: sos.matchingRound, step, distanceMeters: c.distanceMeters, expiresAt })),
      );
      // Nobody to wait for: widen at once instead of letting the person wait a whole step.
      const nextStepAt = offered.length > 0 ? expiresAt : new Date(now);
      await this.repository.update(tx, sos.id, { status: SosStatus.MATCHING, searchRadiusMeters: radius, matchingStep: step + 1, nextStepAt });
      const type = step === 0 ? SosEventType.MATCHING_STARTED : SosEventType.RADIUS_EXPANDED;
      const event = await this.repository.appendEvent(tx, sos.id, type, `Searching within ${radius} m; ${offered.length} volunteer(s) alerted`);
      return { sos: { ...sos, status: SosStatus.MATCHING, searchRadiusMeters: radius, matchingStep: step + 1, nextStepAt }, events: [event], offered, expired, nextStepAt };
    });
  }

  private isDue(sos: SosRow): boolean {
    return (sos.status === SosStatus.PENDING || sos.status === SosStatus.MATCHING) && sos.nextStepAt !== null && sos.nextStepAt.getTime() <= Date.now() + EARLY_MS;
  }

  /**
   * Candidates: available and fresh (the search), not the requester, not alerted before for
   * this SOS, not busy with another SOS, not alerted too often lately, holding the required
   * skills. Ranked by distance made longer by unreliability (disconnections, offers left to
   * expire) and recent alerts, and shorter by skills beyond those required.
   */
  private async choose(sos: SosRow, radius: number): Promise<{ volunteer: VolunteerRow; distanceMeters: number }[]> {
    const ctx = systemContext(`matching:${sos.id}`);
    const [own, alreadyAlerted] = await Promise.all([this.volunteers.byUserId(ctx, sos.requesterId), this.repository.alertedVolunteerIdsOf(sos.id)]);
    const point: Point = { latitude: sos.latitude, longitude: sos.longitude };
    const hits = await this.search.findNearbyVolunteers(point, radius, {
      limit: this.settings.alertsPerStep * CANDIDATES_PER_ALERT,
      skills: sos.requiredSkills,
      excludeIds: own ? [...alreadyAlerted, own.id] : alreadyAlerted,
    });
    if (hits.length === 0) return [];
    const ids = hits.map((h) => h.volunteerId);
    const [rows, busy, recent] = await Promise.all([
      this.volunteers.byIds(ctx, ids),
      this.repository.busyVolunteers(this.sql, ids),
      this.repository.recentAlertCounts(this.sql, ids, new Date(Date.now() - 3600_000)),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return hits
      .flatMap((hit) => {
        const volunteer = byId.get(hit.volunteerId);
        const fatigue = recent.get(hit.volunteerId) ?? 0;
        if (!volunteer || !volunteer.available || busy.has(volunteer.id) || fatigue >= this.settings.alertsPerHour) return [];
        if (!sos.requiredSkills.every((s) => volunteer.skills.includes(s))) return [];
        const penalty = 1 + 0.25 * volunteer.disconnectionCount + 0.05 * volunteer.expiredAlertCount + 0.1 * fatigue;
        const bonus = 1 - 0.02 * Math.min(5, volunteer.skills.length - sos.requiredSkills.length);
        return [{ volunteer, distanceMeters: hit.distanceMeters, score: hit.distanceMeters * penalty * bonus }];
      })
      .sort((a, b) => a.score - b.score)
      .slice(0, this.settings.alertsPerStep);
  }
}
