import type { NearbyHit, Skill, VolunteerRow } from '../volunteers';

export interface RankingSettings {
  alertsPerStep: number;
  /** Alert fatigue: a volunteer alerted this often in the last hour is not alerted again. */
  alertsPerHour: number;
}

/** What ranking knows of the candidates besides their profiles. */
export interface CandidateFacts {
  /** Volunteers assigned to another SOS now. */
  busy: ReadonlySet<string>;
  /** Alerts each volunteer received in the last hour. */
  recentAlerts: ReadonlyMap<string, number>;
}

export type RankedVolunteer = Pick<VolunteerRow, 'id' | 'available' | 'skills' | 'disconnectionCount' | 'expiredAlertCount'>;

export interface Ranked<V extends RankedVolunteer> {
  volunteer: V;
  distanceMeters: number;
  score: number;
}

/**
 * Who of the search hits to alert, best first: available, not busy, not alerted too often
 * lately, holding every required skill. The score is the distance made longer by unreliability
 * (disconnections, offers left to expire) and recent alerts, and shorter by skills beyond those
 * required; the best `alertsPerStep` are alerted.
 */
export function rankCandidates<V extends RankedVolunteer>(
  requiredSkills: readonly Skill[],
  hits: readonly NearbyHit[],
  profiles: ReadonlyMap<string, V>,
  facts: CandidateFacts,
  settings: RankingSettings,
): Ranked<V>[] {
  return hits
    .flatMap((hit) => {
      const volunteer = profiles.get(hit.volunteerId);
      const fatigue = facts.recentAlerts.get(hit.volunteerId) ?? 0;
      if (!volunteer || !volunteer.available || facts.busy.has(volunteer.id) || fatigue >= settings.alertsPerHour) return [];
      if (!requiredSkills.every((s) => volunteer.skills.includes(s))) return [];
      const penalty = 1 + 0.25 * volunteer.disconnectionCount + 0.05 * volunteer.expiredAlertCount + 0.1 * fatigue;
      const bonus = 1 - 0.02 * Math.min(5, volunteer.skills.length - requiredSkills.length);
      return [{ volunteer, distanceMeters: hit.distanceMeters, score: hit.distanceMeters * penalty * bonus }];
    })
    .sort((a, b) => a.score - b.score)
    .slice(0, settings.alertsPerStep);
}
