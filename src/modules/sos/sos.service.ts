import { signedIn, type Context } from '../../platform/auth';
import type { Tx } from '../../platform/db';
import { isDependencyUnavailable } from '../../platform/errors';
import type { EventBus } from '../../platform/events';
import { pageOf, pageSize } from '../../platform/graphql/cursor';
import type { Point } from '../../platform/geo';
import { assertId } from '../../platform/validation';
import type { VolunteersService } from '../volunteers';
import { locationFor, seesRequester, type Relation, type SosAccess } from './sos.access';
import type { AlertRow, SosAlertsRepository } from './sos-alerts.repository';
import { sosErrors } from './sos.errors';
import type { Raised } from './sos.intake';
import type { SosEvents } from './sos.events';
import type { SosLoaders } from './sos.loaders';
import type { OutageIntake } from './sos.outage-intake';
import type { RoutePointRow, SosEventRow, SosNoteRow, SosRepository, SosRow } from './sos.repository';

/** Reading SOS: what the viewer may see of them, through per-request loaders. Changes are in sos.lifecycle.ts. */
export class SosService {
  constructor(
    private readonly repository: SosRepository,
    private readonly alerts: SosAlertsRepository,
    private readonly access: SosAccess,
    private readonly volunteers: VolunteersService,
    private readonly loaders: () => SosLoaders,
    private readonly outage: OutageIntake,
    private readonly events: EventBus<SosEvents>,
  ) {}

  /**
   * An SOS the viewer may see (requester, assigned or alerted volunteer, staff); null otherwise,
   * never FORBIDDEN. One not in PostgreSQL (unreachable, or not replayed yet) may be in the outage journal.
   */
  async visible(ctx: Context, id: string): Promise<SosRow | null> {
    const sosId = assertId('id', id);
    let sos: SosRow | null;
    try {
      sos = await this.load(ctx).byId.load(sosId);
    } catch (err) {
      if (!isDependencyUnavailable(err)) throw err;
      const queued = await this.outage.view(ctx.tokenUserId, sosId).catch(() => null);
      if (!queued) throw err;
      return queued;
    }
    if (!sos) return this.outage.view(ctx.tokenUserId, sosId).catch(() => null);
    return (await this.relation(ctx, sos)) !== 'none' ? sos : null;
  }

  /** What a change answers with: the SOS as it is now, or as the outage journal holds it. */
  present(ctx: Context, changed: string | SosRow): Promise<SosRow> {
    return typeof changed === 'string' ? this.fresh(ctx, changed) : Promise.resolve(changed);
  }

  /** A raised SOS as the intake left it: what it already knows is not read again. */
  presentRaised(ctx: Context, { id, sos, alertedCount, timeline }: Raised): Promise<SosRow> {
    if (!sos) return this.fresh(ctx, id);
    if (!sos.queued) {
      const loaders = this.load(ctx);
      loaders.byId.clear(id).prime(id, sos);
      if (alertedCount !== undefined) loaders.alertedCount.clear(id).prime(id, alertedCount);
      if (timeline) loaders.timeline.clear(id).prime(id, timeline);
    }
    return Promise.resolve(sos);
  }

  async mine(ctx: Context, first: number | null | undefined, after: string | null | undefined) {
    const requesterId = signedIn(ctx);
    const page = await pageOf(
      { first, cursorField: 'after', cursor: after, shape: ['timestamp', 'uuid'] },
      (limit, cursor) => this.repository.pageOfRequester(requesterId, limit, cursor && { createdAt: cursor[0], id: cursor[1] }),
      (sos) => [sos.createdAt.toISOString(), sos.id],
    );
    for (const { node } of page.edges) this.load(ctx).byId.prime(node.id, node);
    return page;
  }

  /** The SOS the signed-in volunteer is assigned to now, if any. */
  async myAssignment(ctx: Context): Promise<SosRow | null> {
    const volunteer = await this.volunteers.byUserId(ctx, signedIn(ctx));
    return volunteer?.assignedSosId ? this.load(ctx).byId.load(volunteer.assignedSosId) : null;
  }

  async myAlerts(ctx: Context): Promise<AlertRow[]> {
    const volunteer = await this.volunteers.byUserId(ctx, signedIn(ctx));
    return volunteer ? this.alerts.openOf(volunteer.id) : [];
  }

  /**
   * The volunteer's app shows the alert (opened from a push, or on screen): it stops the SMS
   * fallback. NOT_FOUND unless it is an alert of theirs.
   */
  async markAlertSeen(ctx: Context, alertId: string): Promise<AlertRow> {
    const volunteer = await this.volunteers.byUserId(ctx, signedIn(ctx));
    const seen = volunteer && (await this.alerts.markSeen(assertId('alertId', alertId), volunteer.id));
    if (!seen) throw sosErrors.alertNotFound();
    return seen;
  }

  /** Whether an alert is still offered, unexpired and unseen (the SMS fallback asks before it sends). */
  isAlertUnattended(alertId: string): Promise<boolean> {
    return this.alerts.isUnattended(alertId);
  }

  /** Whether an open review flag is about this SOS (the moderation module says), in its transaction. */
  setReviewFlag(tx: Tx, id: string, flagged: boolean): Promise<void> {
    return this.repository.update(tx, id, { flaggedForReview: flagged });
  }

  /** For staff: SOS not yet closed, escalated ones first (staff scoped to cities: theirs). */
  async openForStaff(ctx: Context, limit: number | null | undefined): Promise<SosRow[]> {
    const size = pageSize('limit', limit ?? 50);
    return this.repository.findOpenForStaff(size, (await ctx.viewer())?.cityIds ?? null);
  }

  // --- what a viewer may see ----------------------------------------------------------------

  relation(ctx: Context, sos: SosRow): Promise<Relation> {
    return this.access.relation(ctx, sos);
  }

  async visibleLocation(ctx: Context, sos: SosRow): Promise<Point> {
    const relation = await this.relation(ctx, sos);
    if (relation === 'staff') await this.events.emit('sos.exactLocationRead', { sosId: sos.id, staffId: ctx.tokenUserId! });
    return locationFor(relation, sos);
  }

  async showsRequester(ctx: Context, sos: SosRow): Promise<boolean> {
    return seesRequester(await this.relation(ctx, sos));
  }

  /** Empty while the SOS is queued: its events are written when it is replayed, as of when they happened. */
  /** Staff notes on the SOS, for staff only (null for anyone else). */
  async notes(ctx: Context, sos: SosRow): Promise<SosNoteRow[] | null> {
    return (await this.relation(ctx, sos)) === 'staff' ? this.repository.notesOf(sos.id) : null;
  }

  /** The assigned volunteers' way to the SOS, for its requester and staff (null for anyone else). */
  async route(ctx: Context, sos: SosRow): Promise<RoutePointRow[] | null> {
    const relation = await this.relation(ctx, sos);
    return relation === 'requester' || relation === 'staff' ? this.repository.routeOf(sos.id) : null;
  }

  async timeline(ctx: Context, sos: SosRow): Promise<SosEventRow[]> {
    return sos.queued ? [] : this.load(ctx).timeline.load(sos.id);
  }

  async alertedCount(ctx: Context, sos: SosRow): Promise<number> {
    return sos.queued ? sos.queued.alertedVolunteerIds.length : this.load(ctx).alertedCount.load(sos.id);
  }

  /** Every offer made for the SOS, with when each was seen and answered: for staff only (null for anyone else). */
  async alertsFor(ctx: Context, sos: SosRow): Promise<AlertRow[] | null> {
    if (sos.queued || (await this.relation(ctx, sos)) !== 'staff') return null;
    return this.load(ctx).alerts.load(sos.id);
  }

  byId(ctx: Context, id: string): Promise<SosRow | null> {
    return this.load(ctx).byId.load(id);
  }

  /** Drops what this request (or long-lived subscription) has cached of an SOS, so it is read fresh. */
  forget(ctx: Context, id: string): void {
    const loaders = this.load(ctx);
    loaders.byId.clear(id);
    loaders.timeline.clear(id);
    loaders.alertedCount.clear(id);
  }

  /** The SOS as it is now, after a change this request made. */
  async fresh(ctx: Context, id: string): Promise<SosRow> {
    this.forget(ctx, id);
    return (await this.load(ctx).byId.load(id))!;
  }

  private load(ctx: Context): SosLoaders {
    return ctx.loaders.get(this.loaders);
  }
}
