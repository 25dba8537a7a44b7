import type { PubSub } from '../../platform/pubsub';
import type { SosChange } from './sos.events';
import { sosTopics, type LocationUpdateRow } from './sos.topics';
import { SosEventType } from './types/sos-enums';

/** Events after which nobody is on the way any more. */
const ENDS_HELP: readonly SosEventType[] = [SosEventType.RESOLVED, SosEventType.CANCELLED, SosEventType.VOLUNTEER_DISCONNECTED];

/**
 * Publishes what was committed: events to the SOS's subscribers, alert changes to each
 * volunteer. At most once, like Redis pub/sub itself; subscribers replay from PostgreSQL, so
 * nothing is lost when a message is.
 */
export class SosAnnouncer {
  constructor(private readonly pubsub: PubSub) {}

  async announce({ events, alerts, sos }: SosChange): Promise<void> {
    await Promise.all([
      ...events.map((event) => this.pubsub.publish(sosTopics.events, event.sosId, event)),
      ...events.filter((e) => e.type === SosEventType.ESCALATED).map((e) => this.pubsub.publish(sosTopics.escalations, null, e)),
      ...events.filter((e) => ENDS_HELP.includes(e.type)).map((e) => this.pubsub.publish(sosTopics.locations, e.sosId, { sosId: e.sosId, helpEnded: true })),
      ...alerts.map((alert) => this.pubsub.publish(sosTopics.alerts, alert.volunteerId, sos?.id === alert.sosId ? { ...alert, sos } : alert)),
    ]);
  }

  location(update: LocationUpdateRow): Promise<void> {
    return this.pubsub.publish(sosTopics.locations, update.sosId, update);
  }
}
