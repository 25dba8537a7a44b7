import type { LocationFix } from './volunteers.repository';

/** What the volunteers module announces to other modules (see platform/events). */
export interface VolunteerEvents {
  /**
   * A volunteer on their way to an SOS (assigned to it) sent a location: its requester follows
   * them (sos.location-relay.ts). Fixes of volunteers not assigned are not announced: they are
   * the hot path, thousands a second, and nobody follows them.
   */
  'volunteer.locationFixed': { volunteerId: string; sosId: string; location: LocationFix; at: Date };
  /** An admin verified a volunteer, inside that transaction (the audit log records it there). */
  'volunteer.verified': { volunteerId: string; userId: string; adminId: string };
  /** An admin turned a volunteer down, inside that transaction. */
  'volunteer.rejected': { volunteerId: string; userId: string; adminId: string; reason: string };
  /** An admin was shown a volunteer's stored location (no transaction: a read). The audit log records it, once per while. */
  'volunteer.exactLocationRead': { volunteerId: string; staffId: string };
}
