import { systemContext } from '../../platform/auth';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { VolunteerRow, VolunteerSearch, VolunteersService } from '../volunteers';
import type { SosAlertsRepository } from './sos-alerts.repository';
import type { SosEvents } from './sos.events';
import { rankCandidates, type Ranked, type RankingSettings } from './sos.ranking';
import type { SosRepository, SosRow } from './sos.repository';
import { isStepDue } from './sos.transitions';
import { SosEventType, SosStatus } from './types/sos-enums';

export interface MatchingSettings extends RankingSettings {
  radiiMeters: readonly number[];
  stepTimeoutSeconds: number;
}

export interface StepOutcome {
  sos: SosRow;
  /** When the next step is due, or null when matching is over (escalated). */
  nextStepAt: Date | null;
}

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
    private readonly alerts: SosAlertsRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<SosEvents>,
    private readonly search: VolunteerSearch,
    private readonly volunteers: VolunteersService,
    private readonly settings: MatchingSettings,
    private readonly logger: Logger,
  ) {}

  /** Runs the SOS's next step if it is due (else null); its alerts are announced once committed. */
  async runDueStep(sosId: string): Promise<StepOutcome | null> {
    // Candidates are chosen before the transaction: searching and ranking read through the shared
    // pool, and a transaction holding a connection while waiting for another could starve it.
    // What the choice rests on (due, step, not yet alerted, not busy) is checked again under the lock.
    const [peek] = await this.repository.findByIds([sosId]);
    if (!peek || !isStepDue(peek, Date.now())) return null;
    const step = peek.matchingStep;
    const last = step >= this.settings.radiiMeters.length;
    const chosen = last ? [] : await this.choose(peek, this.settings.radiiMeters[step]);

    return this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.repository.lock(tx, sosId);
      if (!sos || !isStepDue(sos, Date.now()) || sos.matchingStep !== step || sos.matchingRound !== peek.matchingRound) return null;

      const expired = await this.alerts.closeOpen(tx, sos.id, 'EXPIRED');
      await this.volunteers.countExpiredAlerts(tx, expired.map((a) => a.volunteerId));
      if (last) {
        await this.repository.update(tx, sos.id, { status: SosStatus.ESCALATED, nextStepAt: null });
        const event = await this.repository.appendEvent(tx, sos.id, SosEventType.ESCALATED, `Nobody accepted within ${sos.searchRadiusMeters} m; professionals are alerted`);
        this.logger.warn({ sosId: sos.id }, 'SOS escalated');
        const escalated = { ...sos, status: SosStatus.ESCALATED, nextStepAt: null };
        await emit('sos.changed', { sos: escalated, events: [event], alerts: expired });
        return { sos: escalated, nextStepAt: null };
      }

      const radius = this.settings.radiiMeters[step];
      const alerted = new Set(await this.alerts.alertedVolunteerIds(sos.id, tx));
      const busy = await this.repository.busyVolunteers(tx, chosen.map((c) => c.volunteer.id));
      const now = Date.now();
      const expiresAt = new Date(now + this.settings.stepTimeoutSeconds * 1000);
      const offered = await this.alerts.insert(
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
      const matching = { ...sos, status: SosStatus.MATCHING, searchRadiusMeters: radius, matchingStep: step + 1, nextStepAt };
      // Alerts first: seconds matter to the person waiting, the next step is 20 s away.
      await emit('sos.changed', { sos: matching, events: [event], alerts: [...offered, ...expired] });
      return { sos: matching, nextStepAt };
    });
  }

  /**
   * Candidates: available and fresh (the search), not the requester, not alerted before for
   * this SOS, then ranked (sos.ranking.ts) on their profiles, who is busy and recent alerts.
   */
  private async choose(sos: SosRow, radius: number): Promise<Ranked<VolunteerRow>[]> {
    const ctx = systemContext(`matching:${sos.id}`);
    const [own, alreadyAlerted] = await Promise.all([this.volunteers.byUserId(ctx, sos.requesterId), this.alerts.alertedVolunteerIds(sos.id)]);
    const point: Point = { latitude: sos.latitude, longitude: sos.longitude };
    const hits = await this.search.findNearbyVolunteers(point, radius, {
      limit: this.settings.alertsPerStep * CANDIDATES_PER_ALERT,
      skills: sos.requiredSkills,
      excludeIds: own ? [...alreadyAlerted, own.id] : alreadyAlerted,
    });
    if (hits.length === 0) return [];
    const ids = hits.map((h) => h.volunteerId);
    const [rows, busy, recentAlerts] = await Promise.all([
      this.volunteers.byIds(ctx, ids),
      this.repository.busyVolunteers(this.sql, ids),
      this.alerts.recentCounts(ids, new Date(Date.now() - 3600_000)),
    ]);
    return rankCandidates(sos.requiredSkills, hits, new Map(rows.map((r) => [r.id, r])), { busy, recentAlerts }, this.settings);
  }
}
