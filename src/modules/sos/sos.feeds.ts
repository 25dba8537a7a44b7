import { Role, type Context } from '../../platform/auth';
import { forbidden, notFound } from '../../platform/errors';
import { closingFeed, type Feed, type PubSub } from '../../platform/pubsub';
import { assertId } from '../../platform/validation';
import type { VolunteersService } from '../volunteers';
import { topics, type HelpEnded, type LocationUpdateRow } from './sos.events';
import type { AlertRow, SosEventRow, SosRepository, SosRow } from './sos.repository';
import type { Relation, SosService } from './sos.service';
import { SosEventType, SosStatus } from './types/sos-enums';

const CLOSING: readonly SosEventType[] = [SosEventType.RESOLVED, SosEventType.CANCELLED];
const WATCHERS: readonly Relation[] = ['requester', 'assigned', 'staff'];

/**
 * The subscriptions: each subscribes to Redis first, then replays from PostgreSQL what the
 * client has not seen, then streams live, dropping duplicates and filling gaps from the
 * database. Access is checked when the subscription starts (NOT_FOUND, never FORBIDDEN) and
 * again as events arrive.
 */
export class SosFeeds {
  constructor(
    private readonly service: SosService,
    private readonly repository: SosRepository,
    private readonly volunteers: VolunteersService,
    private readonly pubsub: PubSub,
  ) {}

  /** Events of one SOS in seq order: for its requester, its assigned volunteer and staff. */
  async updates(ctx: Context, sosId: string, afterSeq: number | null | undefined): Promise<AsyncIterable<SosEventRow>> {
    const id = assertId('sosId', sosId);
    await this.watchable(ctx, id, WATCHERS);
    const feed = await this.pubsub.listen<SosEventRow>(topics.sos(id));
    return closingFeed(feed, this.updatesAfter(ctx, id, Math.max(0, afterSeq ?? 0), feed));
  }

  /** Offers to the signed-in volunteer: open ones first, then new ones and changes as they happen. */
  async alerts(ctx: Context): Promise<AsyncIterable<AlertRow>> {
    const volunteer = await this.volunteers.byUserId(ctx, ctx.tokenUserId!);
    if (!volunteer) throw notFound('Volunteer profile');
    const feed = await this.pubsub.listen<AlertRow>(topics.alerts(volunteer.id));
    return closingFeed(feed, this.alertsOf(volunteer.id, feed));
  }

  /** The assigned volunteer's position, for the requester and admins, while help is on the way. */
  async locations(ctx: Context, sosId: string): Promise<AsyncIterable<LocationUpdateRow>> {
    const id = assertId('sosId', sosId);
    await this.watchable(ctx, id, ['requester', 'staff'], true);
    const feed = await this.pubsub.listen<LocationUpdateRow | HelpEnded>(topics.location(id));
    return closingFeed(feed, this.locationsOf(ctx, id, feed));
  }

  /** For staff: every SOS that escalates; those still escalated are replayed first. */
  async escalations(ctx: Context): Promise<AsyncIterable<SosEventRow>> {
    const role = (await ctx.viewer())?.role;
    if (role !== Role.PROFESSIONAL && role !== Role.ADMIN) throw forbidden('Only PROFESSIONAL or ADMIN may follow escalations');
    const feed = await this.pubsub.listen<SosEventRow>(topics.escalations);
    return closingFeed(feed, this.escalationsLive(feed));
  }

  private async *escalationsLive(feed: Feed<SosEventRow>): AsyncGenerator<SosEventRow> {
    const seen = new Set<string>();
    try {
      for (const event of await this.repository.openEscalations()) {
        seen.add(event.id);
        yield event;
      }
      for await (const event of feed) if (!seen.has(event.id)) yield event;
    } finally {
      feed.close();
    }
  }

  private async *updatesAfter(ctx: Context, sosId: string, afterSeq: number, feed: Feed<SosEventRow>): AsyncGenerator<SosEventRow> {
    let last = afterSeq;
    try {
      for (const event of await this.repository.eventsAfter(sosId, last)) {
        this.service.forget(ctx, sosId);
        yield event;
        last = event.seq;
        if (CLOSING.includes(event.type)) return;
      }
      // Caught up with an SOS that is over already: nothing more will come.
      const now = await this.fresh(sosId);
      if (!now || now.status === SosStatus.RESOLVED || now.status === SosStatus.CANCELLED) return;
      for await (const live of feed) {
        if (live.seq <= last) continue;
        // A wake-up got lost in between: the database has the missing events.
        const batch = live.seq === last + 1 ? [live] : await this.repository.eventsAfter(sosId, last);
        if (!(await this.stillWatching(ctx, sosId, WATCHERS))) return;
        for (const event of batch) {
          // The subscription's context lives long: what it cached of the SOS is stale by now.
          this.service.forget(ctx, sosId);
          yield event;
          last = event.seq;
          if (CLOSING.includes(event.type)) return;
        }
      }
    } finally {
      feed.close();
    }
  }

  private async *alertsOf(volunteerId: string, feed: Feed<AlertRow>): AsyncGenerator<AlertRow> {
    const seen = new Set<string>();
    const fresh = (alert: AlertRow) => {
      const key = `${alert.id}:${alert.status}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    try {
      for (const open of await this.repository.openAlertsOf(volunteerId)) if (fresh(open)) yield open;
      for await (const alert of feed) if (fresh(alert)) yield alert;
    } finally {
      feed.close();
    }
  }

  private async *locationsOf(ctx: Context, sosId: string, feed: Feed<LocationUpdateRow | HelpEnded>): AsyncGenerator<LocationUpdateRow> {
    try {
      for await (const update of feed) {
        const sos = await this.fresh(sosId);
        // Help came to its end (resolved, cancelled) or the volunteer was dropped: the stream ends.
        if (!sos || (sos.status !== SosStatus.ACCEPTED && sos.status !== SosStatus.ARRIVED)) return;
        if ('helpEnded' in update || sos.assignedVolunteerId !== update.volunteerId) continue;
        if (!(await this.stillWatching(ctx, sosId, ['requester', 'staff'], true))) return;
        yield update;
      }
    } finally {
      feed.close();
    }
  }

  /** NOT_FOUND unless the viewer is one of `allowed` (and, for locations, only admins among staff). */
  private async watchable(ctx: Context, sosId: string, allowed: readonly Relation[], adminsOnly = false): Promise<void> {
    if (!(await this.stillWatching(ctx, sosId, allowed, adminsOnly))) throw notFound('SOS');
  }

  private async stillWatching(ctx: Context, sosId: string, allowed: readonly Relation[], adminsOnly = false): Promise<boolean> {
    const sos = await this.fresh(sosId);
    if (!sos) return false;
    const relation = await this.service.relation(ctx, sos);
    if (!allowed.includes(relation)) return false;
    return !(adminsOnly && relation === 'staff' && (await ctx.viewer())?.role !== 'ADMIN');
  }

  private async fresh(sosId: string): Promise<SosRow | null> {
    const [sos] = await this.repository.findByIds([sosId]);
    return sos ?? null;
  }
}
