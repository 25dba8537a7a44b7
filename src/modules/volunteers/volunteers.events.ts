import type { LocationFix } from './volunteers.repository';

/** What the volunteers module announces to other modules (see platform/events). */
export interface VolunteerEvents {
  /**
   * A volunteer sent a location (every update, as Redis got it). `assignedSosId` is the SOS they
   * are helping with, when there is one: its requester follows them (sos.location-relay.ts).
   */
  'volunteer.locationFixed': { volunteerId: string; assignedSosId: string | null; location: LocationFix; at: Date };
}
