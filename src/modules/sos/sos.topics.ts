import { topic } from '../../platform/pubsub';
import type { AlertRow } from './sos-alerts.repository';
import type { SosEventRow, SosRow } from './sos.repository';

/** A volunteer's position as the requester sees it on the map. */
export interface LocationUpdateRow {
  sosId: string;
  volunteerId: string;
  location: { latitude: number; longitude: number };
  headingDegrees: number | null;
  speedMps: number | null;
  distanceMeters: number;
  at: Date;
}

/** On a location topic: the volunteer's help ended (resolved, cancelled, dropped); watchers re-check and stop. */
export interface HelpEnded {
  sosId: string;
  helpEnded: true;
}

/** An alert as published: with the SOS it offers, when the publisher had it at hand (then delivering it needs no query). */
export type PublishedAlert = AlertRow & { sos?: SosRow };

const SOS_DATES = ['sos.createdAt', 'sos.acceptedAt', 'sos.arrivedAt', 'sos.closedAt', 'sos.nextStepAt'] as const;

/**
 * What the SOS module publishes across instances. Redis pub/sub is only the wake-up: every
 * event and alert is in PostgreSQL first, and subscribers replay from there (sos.feeds.ts).
 */
export const sosTopics = {
  /** Timeline events of one SOS (key: SOS id). */
  events: topic<SosEventRow>('sos', ['at']),
  /** Offers made to, and withdrawn from, one volunteer (key: volunteer id). */
  alerts: topic<PublishedAlert>('alerts', ['expiresAt', 'createdAt', 'seenAt', ...SOS_DATES]),
  /** The assigned volunteer's fixes, for whoever follows the SOS (key: SOS id). */
  locations: topic<LocationUpdateRow | HelpEnded>('location', ['at']),
  /** ESCALATED events of every SOS, for staff (no key). */
  escalations: topic<SosEventRow>('sos:escalations', ['at']),
};
