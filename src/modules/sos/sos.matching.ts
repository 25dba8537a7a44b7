import { systemContext } from '../../platform/auth';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { MatchingRules } from '../cities';
import type { VolunteerRow, VolunteerSearch, VolunteersService } from '../volunteers';
import type { SosAlertsRepository } from './sos-alerts.repository';
import type { SosEvents } from './sos.events';
import { rankCandidates, type Ranked, type RankingSettings } from './sos.ranking';
import type { SosEventRow, SosRepository, SosRow } from './sos.repository';
import { isStepDue } from './sos.transitions';
import { SosEventType, SosStatus } from './types/sos-enums';

export interface MatchingSettings extends Omit<RankingSettings, 'alertsPerStep'> {
  /** Whether volunteers no admin has verified yet are alerted (rejected ones never are). */
  matchUnverified: boolean;
}

/** The radii, alerts per step and step timeout of an SOS: its city's, or the deployment's outside every city. */
export type RulesOf = (cityId: string | null) => Promise<Pick<MatchingRules, 'radiiMeters' | 'alertsPerStep' | 'stepTimeoutSeconds'>>;

export interface StepOutcome {
  sos: SosRow;
  /** When the next step is due, or null when matching is over (escalated). */
  nextStepAt: Date | null;
  /** Volunteers alerted by this step. */
  offered: number;
  /** What the step appended to the timeline. */
  event: SosEventRow;
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
    private readonly rulesOf: RulesOf,
    private readonly settings: MatchingSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs the SOS's next step if it is due (else null); its alerts are announced once committed.
   * `known` is the row when the caller has just written it (a new SOS): it is not read again.
   */
  async runDueStep(sosId: string, known?: SosRow): Promise<StepOutcome | null> {
    // Candidates are chosen before the transaction: searching and ranking read through the shared
    // pool, and a transaction holding a connection while waiting for another could starve it.
    // What the choice rests on (due, step, not busy, not alerted) is checked again under the lock.
    const peek = known ?? (await this.repository.findByIds([sosId]))[0];
    if (!peek || !isStepDue(peek, Date.now())) return null;
    const step = peek.matchingStep;
    const rules = await this.rulesOf(peek.cityId);
    const last = step >= rules.radiiMeters.length;
    const chosen = last ? [] : await this.choose(peek, rules.radiiMeters[step], rules.alertsPerStep);

    return this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.repository.lock(tx, sosId);
      if (!sos || !isStepDue(sos, Date.now()) || sos.matchingStep !== step || sos.matchingRound !== peek.matchingRound) return null;

      const expired = isFirstSearch(sos) ? [] : await this.alerts.closeOpen(tx, sos.id, 'EXPIRED');
      await this.volunteers.countExpiredAlerts(tx, expired.map((a) => a.volunteerId));
      if (last) {
        const message = `Nobody accepted within ${sos.searchRadiusMeters} m; professionals are alerted`;
        const event = await this.repository.appendEvent(tx, sos.id, SosEventType.ESCALATED, message, null, { status: SosStatus.ESCALATED, nextStepAt: null, escalatedAt: new Date() });
        this.logger.warn({ sosId: sos.id }, 'SOS escalated');
        const escalated = { ...sos, status: SosStatus.ESCALATED, nextStepAt: null, lastSeq: event.seq };
        await emit('sos.changed', { sos: escalated, events: [event], alerts: expired });
        return { sos: escalated, nextStepAt: null, offered: 0, event };
      }

      const radius = rules.radiiMeters[step];
      const now = Date.now();
      const expiresAt = new Date(now + rules.stepTimeoutSeconds * 1000);
      // Whoever is busy now, or was alerted for this SOS before, is skipped by the insert itself.
      const offered = await this.alerts.offer(
        tx,
        chosen.map((c) => ({ sosId: sos.id, volunteerId: c.volunteer.id, round: sos.matchingRound, step, distanceMeters: c.distanceMeters, expiresAt })),
      );
      // Nobody to wait for: widen at once instead of letting the person wait a whole step.
      const nextStepAt = offered.length > 0 ? expiresAt : new Date(now);
      const changes = { status: SosStatus.MATCHING, searchRadiusMeters: radius, matchingStep: step + 1, nextStepAt };
      const type = step === 0 ? SosEventType.MATCHING_STARTED : SosEventType.RADIUS_EXPANDED;
      const counted = offered.length > 0 ? { ...changes, offersMade: offered.length, firstAlertAt: new Date(now) } : changes;
      const event = await this.repository.appendEvent(tx, sos.id, type, `Searching within ${radius} m; ${offered.length} volunteer(s) alerted`, null, counted);
      const matching = { ...sos, ...changes, lastSeq: event.seq };
      const volunteerUsers = new Map(chosen.map((c) => [c.volunteer.id, c.volunteer.userId]));
      // Alerts first: seconds matter to the person waiting, the next step is 20 s away.
      await emit('sos.changed', { sos: matching, events: [event], alerts: [...offered, ...expired], volunteerUsers });
      return { sos: matching, nextStepAt, offered: offered.length, event };
    });
  }

  /**
   * Candidates: available and fresh (the search), not the requester, not alerted before for
   * this SOS, then ranked (sos.ranking.ts) on their profiles, who is busy and recent alerts.
   */
  private async choose(sos: SosRow, radius: number, alertsPerStep: number): Promise<Ranked<VolunteerRow>[]> {
    const ctx = systemContext(`matching:${sos.id}`);
    const alreadyAlerted = isFirstSearch(sos) ? [] : await this.alerts.alertedVolunteerIds(sos.id);
    const point: Point = { latitude: sos.latitude, longitude: sos.longitude };
    const hits = await this.search.findNearbyVolunteers(point, radius, {
      limit: alertsPerStep * CANDIDATES_PER_ALERT,
      skills: sos.requiredSkills,
      excludeIds: alreadyAlerted,
    });
    if (hits.length === 0) return [];
    const ids = hits.map((h) => h.volunteerId);
    const [rows, facts] = await Promise.all([this.volunteers.byIds(ctx, ids), this.alerts.candidateFacts(ids, new Date(Date.now() - 3600_000))]);
    // A requester who volunteers is never alerted to their own SOS; a rejected volunteer never is.
    // PostgreSQL has the last word on availability: the live index may not have heard yet (a suspension).
    const eligible = (r: VolunteerRow) => r.available && r.userId !== sos.requesterId && r.rejectedAt === null && (this.settings.matchUnverified || r.verified);
    const profiles = new Map(rows.filter(eligible).map((r) => [r.id, r]));
    return rankCandidates(sos.requiredSkills, hits, profiles, facts, { ...this.settings, alertsPerStep });
  }
}

/**
 * The first search of the first round: nothing can have been offered for this SOS yet (offers
 * are only made by a step, which moves the step on, or replayed with step 1 from the outage
 * journal), so there is nothing to exclude or to expire.
 */
const isFirstSearch = (sos: SosRow) => sos.matchingStep === 0 && sos.matchingRound === 0;
