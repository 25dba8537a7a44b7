import { systemContext } from '../../platform/auth';
import type { Sql, Tx } from '../../platform/db';
import type { Emitter, EventBus } from '../../platform/events';
import type { Logger } from '../../platform/logger';
import type { VolunteersService } from '../volunteers';
import type { SosAlertsRepository } from './sos-alerts.repository';
import type { SosEvents } from './sos.events';
import type { SosRepository } from './sos.repository';
import { SosEventType, SosStatus } from './types/sos-enums';

export interface DisconnectionSettings {
  heartbeatTimeoutSeconds: number;
}

/**
 * Takes volunteers off the SOS they can no longer help with: those whose phone went quiet, and
 * those suspended. Their SOS go back to matching without them.
 */
export class SosDisconnections {
  /** When this instance last could not read heartbeats: those from during an outage are missing. */
  private troubleAt = 0;

  constructor(
    private readonly repository: SosRepository,
    private readonly alerts: SosAlertsRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<SosEvents>,
    private readonly volunteers: VolunteersService,
    private readonly settings: DisconnectionSettings,
    private readonly logger: Logger,
  ) {}

  /** Drops every silent assigned volunteer; their SOS are matched again (`sos.volunteerDropped`). */
  async check(): Promise<void> {
    const assignments = await this.repository.activeAssignments();
    if (assignments.length === 0) return;
    let beats: (number | null)[];
    try {
      beats = await this.volunteers.heartbeats(systemContext('heartbeats'), assignments.map((a) => a.volunteerId));
    } catch {
      // Without Redis there is no telling who went quiet; dropping on a guess would be worse.
      this.troubleAt = Date.now();
      return;
    }
    const timeoutMs = this.settings.heartbeatTimeoutSeconds * 1000;
    // Fixes sent while Redis was away reached only PostgreSQL, throttled: give everyone a full timeout first.
    if (Date.now() - this.troubleAt < timeoutMs) return;
    const cutoff = Date.now() - timeoutMs;
    const silent = assignments.filter((a, i) => Math.max(beats[i] ?? 0, a.acceptedAt.getTime()) < cutoff);
    for (const { sosId, volunteerId } of silent) await this.drop(sosId, volunteerId);
  }

  /**
   * A volunteer whose account is being suspended, inside the suspension's transaction: whatever
   * they were offered is withdrawn, and the SOS they were on their way to is matched again
   * without them, now rather than after a heartbeat timeout. The person is told the volunteer can
   * no longer respond, not why.
   */
  async standDown(tx: Tx, emit: Emitter<SosEvents>['emit'], volunteer: { id: string; userId: string }): Promise<void> {
    const withdrawn = await this.alerts.withdrawOf(tx, volunteer.id);
    if (withdrawn.length > 0) await emit('sos.changed', { events: [], alerts: withdrawn });
    const sosId = await this.repository.assignmentOf(tx, volunteer.id);
    if (sosId && (await this.release(tx, emit, sosId, volunteer, 'The volunteer can no longer respond'))) {
      this.logger.warn({ sosId, volunteerId: volunteer.id }, 'assigned volunteer suspended; matching again');
    }
  }

  private async drop(sosId: string, volunteerId: string): Promise<void> {
    const [volunteer] = await this.volunteers.byIds(systemContext(`drop:${sosId}`), [volunteerId]);
    const silence = `No location from the volunteer for ${this.settings.heartbeatTimeoutSeconds} s`;
    const dropped = await this.events.transaction(this.sql, async (tx, { emit }) => {
      if (!(await this.release(tx, emit, sosId, { id: volunteerId, userId: volunteer?.userId ?? null }, silence))) return false;
      await this.volunteers.recordDisconnection(tx, volunteerId, sosId);
      return true;
    });
    if (dropped) this.logger.warn({ sosId, volunteerId }, 'assigned volunteer went silent; matching again');
  }

  /**
   * Puts the SOS back to matching without the volunteer, under its row lock, if they are still
   * assigned to it (several instances may notice the same silence: it happens once). False if not.
   */
  private async release(tx: Tx, emit: Emitter<SosEvents>['emit'], sosId: string, volunteer: { id: string; userId: string | null }, why: string): Promise<boolean> {
    const sos = await this.repository.lock(tx, sosId);
    const stillAssigned = sos && (sos.status === SosStatus.ACCEPTED || sos.status === SosStatus.ARRIVED) && sos.assignedVolunteerId === volunteer.id;
    if (!sos || !stillAssigned) return false;
    await this.repository.update(tx, sosId, {
      status: SosStatus.PENDING,
      assignedVolunteerId: null,
      matchingRound: sos.matchingRound + 1,
      matchingStep: 0,
      nextStepAt: new Date(),
      searchRadiusMeters: 0,
    });
    await emit('sos.assignmentChanged', { volunteerId: volunteer.id, assignment: null });
    const events = [
      await this.repository.appendEvent(tx, sosId, SosEventType.VOLUNTEER_DISCONNECTED, why),
      await this.repository.appendEvent(tx, sosId, SosEventType.REMATCHING, 'Looking for another volunteer'),
    ];
    await emit('sos.changed', { events, alerts: [] });
    // Last: once committed, its listener matches the SOS again, after the events above are told.
    if (volunteer.userId) await emit('sos.volunteerDropped', { sosId, volunteerId: volunteer.id, volunteerUserId: volunteer.userId });
    return true;
  }
}
