import { distanceMeters, type FixThrottle } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { VolunteerEvents, VolunteersService } from '../volunteers';
import type { SosAnnouncer } from './sos.announcer';
import type { SosRepository } from './sos.repository';
import { SosStatus } from './types/sos-enums';

/**
 * The assigned volunteer's location fixes on their way to the requester: `updateLocation`
 * (volunteers module) announces `volunteer.locationFixed`; the composition root hands it here;
 * this adds the distance still to go and publishes it on the SOS's location topic, which
 * `volunteerLocation` (sos.feeds.ts) streams to the requester's socket. It also keeps the route
 * (throttled) for staff and the requester to replay afterwards (`SosRequest.route`).
 */
export class SosLocationRelay {
  constructor(
    private readonly repository: SosRepository,
    private readonly announcer: SosAnnouncer,
    private readonly volunteers: VolunteersService,
    private readonly route: FixThrottle,
    private readonly logger: Logger,
  ) {}

  async forward({ volunteerId, sosId, location, at }: VolunteerEvents['volunteer.locationFixed']): Promise<void> {
    const [sos] = await this.repository.findByIds([sosId]);
    const helping = sos && (sos.status === SosStatus.ACCEPTED || sos.status === SosStatus.ARRIVED) && sos.assignedVolunteerId === volunteerId;
    if (!helping) {
      // The live index still had an assignment PostgreSQL has ended (a stale write raced the
      // release): mend it, so the volunteer is told the idle interval and relayed no more.
      await this.volunteers.setLiveAssignment(volunteerId, null);
      return;
    }
    if (this.route.shouldPersist(`${sosId}:${volunteerId}`, location, at.getTime())) {
      // The map first, the record after: a failed write loses a point of the replay, not the live view.
      void this.repository
        .addRoutePoint({ sosId, volunteerId, at, latitude: location.latitude, longitude: location.longitude, accuracyMeters: location.accuracyMeters ?? null })
        .catch((err: unknown) => this.logger.warn({ sosId, err: { message: (err as Error).message } }, 'route point not kept'));
    }
    await this.announcer.location({
      sosId: sos.id,
      volunteerId,
      location: { latitude: location.latitude, longitude: location.longitude },
      headingDegrees: location.headingDegrees ?? null,
      speedMps: location.speedMps ?? null,
      distanceMeters: distanceMeters(location, sos),
      at,
    });
  }
}
