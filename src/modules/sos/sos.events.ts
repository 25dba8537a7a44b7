import type { PubSub } from '../../platform/pubsub';
import type { AlertRow, SosEventRow, SosRow } from './sos.repository';
import { SosEventType } from './types/sos-enums';

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

/** Events after which nobody is on the way any more. */
const ENDS_HELP: readonly SosEventType[] = [SosEventType.RESOLVED, SosEventType.CANCELLED, SosEventType.VOLUNTEER_DISCONNECTED];

/** What a committed change has to tell subscribers. */
export interface Announcement {
  events?: SosEventRow[];
  alerts?: AlertRow[];
  /** The SOS as committed, sent along with its alerts so delivering them needs no database read. */
  sos?: SosRow;
}

/** An alert as published: with the SOS it offers, when the publisher had it at hand. */
export type PublishedAlert = AlertRow & { sos?: SosRow };

export const topics = {
  sos: (sosId: string) => `sos:${sosId}`,
  alerts: (volunteerId: string) => `alerts:${volunteerId}`,
  location: (sosId: string) => `location:${sosId}`,
  escalations: 'sos:escalations',
};

/**
 * Publishes what was committed, after the commit: events to the SOS's subscribers, alert
 * changes to each volunteer. At most once, like Redis pub/sub itself; subscribers replay from
 * PostgreSQL, so nothing is lost when a message is.
 */
export class SosAnnouncer {
  constructor(private readonly pubsub: PubSub) {}

  async announce({ events = [], alerts = [], sos }: Announcement): Promise<void> {
    await Promise.all([
      ...events.map((event) => this.pubsub.publish(topics.sos(event.sosId), event)),
      ...events.filter((e) => e.type === SosEventType.ESCALATED).map((e) => this.pubsub.publish(topics.escalations, e)),
      ...events.filter((e) => ENDS_HELP.includes(e.type)).map((e) => this.pubsub.publish(topics.location(e.sosId), { sosId: e.sosId, helpEnded: true } satisfies HelpEnded)),
      ...alerts.map((alert) => this.pubsub.publish(topics.alerts(alert.volunteerId), (sos?.id === alert.sosId ? { ...alert, sos } : alert) satisfies PublishedAlert)),
    ]);
  }

  location(update: LocationUpdateRow): Promise<void> {
    return this.pubsub.publish(topics.location(update.sosId), update);
  }
}
