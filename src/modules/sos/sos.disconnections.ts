import { systemContext } from '../../platform/auth';
import type { Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { VolunteersService } from '../volunteers';
import type { SosEvents } from './sos.events';
import type { SosRepository } from './sos.repository';
import { SosEventType, SosStatus } from './types/sos-enums';

export interface DisconnectionSettings {
  heartbeatTimeoutSeconds: number;
}

/**
 * Finds assigned volunteers whose phone went quiet and puts their SOS back to matching without
 * them. The drop is one conditional change under the SOS's row lock, so when several instances
 * notice the same silence it happens once.
 */
export class SosDisconnections {
  /** When this instance last could not read heartbeats: those from during an outage are missing. */
  private troubleAt = 0;

  constructor(
    private readonly repository: SosRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<SosEvents>,
    private readonly volunteers: VolunteersService,
    private readonly settings: DisconnectionSettings,
    private readonly logger: Logger,
  ) {}

  /** Drops every silent assigned volunteer; returns the SOS to match again. */
  async check(): Promise<string[]> {
    const assignments = await this.repository.activeAssignments();
    if (assignments.length === 0) return [];
    let beats: (number | null)[];
    try {
      beats = await this.volunteers.heartbeats(systemContext('heartbeats'), assignments.map((a) => a.volunteerId));
    } catch {
      // Without Redis there is no telling who went quiet; dropping on a guess would be worse.
      this.troubleAt = Date.now();
      return [];
    }
    const timeoutMs = this.settings.heartbeatTimeoutSeconds * 1000;
    // Fixes sent while Redis was away reached only PostgreSQL, throttled: give everyone a full timeout first.
    if (Date.now() - this.troubleAt < timeoutMs) return [];
    const cutoff = Date.now() - timeoutMs;
    const silent = assignments.filter((a, i) => Math.max(beats[i] ?? 0, a.acceptedAt.getTime()) < cutoff);
    const dropped: string[] = [];
    for (const { sosId, volunteerId } of silent) if (await this.drop(sosId, volunteerId)) dropped.push(sosId);
    return dropped;
  }

  private async drop(sosId: string, volunteerId: string): Promise<boolean> {
    const [volunteer] = await this.volunteers.byIds(systemContext(`drop:${sosId}`), [volunteerId]);
    const dropped = await this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.repository.lock(tx, sosId);
      const stillAssigned = sos && (sos.status === SosStatus.ACCEPTED || sos.status === SosStatus.ARRIVED) && sos.assignedVolunteerId === volunteerId;
      if (!sos || !stillAssigned) return false;
      await this.repository.update(tx, sosId, {
        status: SosStatus.PENDING,
        assignedVolunteerId: null,
        matchingRound: sos.matchingRound + 1,
        matchingStep: 0,
        nextStepAt: new Date(),
        searchRadiusMeters: 0,
      });
      await emit('sos.assignmentChanged', { volunteerId, assignment: null });
      await this.volunteers.recordDisconnection(tx, volunteerId, sosId);
      if (volunteer) await emit('sos.volunteerDropped', { sosId, volunteerId, volunteerUserId: volunteer.userId });
      const silence = `No location from the volunteer for ${this.settings.heartbeatTimeoutSeconds} s`;
      const events = [
        await this.repository.appendEvent(tx, sosId, SosEventType.VOLUNTEER_DISCONNECTED, silence),
        await this.repository.appendEvent(tx, sosId, SosEventType.REMATCHING, 'Looking for another volunteer'),
      ];
      await emit('sos.changed', { events, alerts: [] });
      return true;
    });
    if (!dropped) return false;
    this.logger.warn({ sosId, volunteerId }, 'assigned volunteer went silent; matching again');
    return true;
  }
}
