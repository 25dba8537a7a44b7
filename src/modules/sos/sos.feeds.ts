import { isStaff, type Context } from '../../platform/auth';
import { isDependencyUnavailable } from '../../platform/errors';
import { RESYNC, closingFeed, replayThenLive, type Feed, type PubSub } from '../../platform/pubsub';
import { assertId } from '../../platform/validation';
import type { VolunteersService } from '../volunteers';
import { WATCHERS, type Relation } from './sos.access';
import type { AlertRow, SosAlertsRepository } from './sos-alerts.repository';
import { sosErrors } from './sos.errors';
import type { OutageIntake } from './sos.outage-intake';
import type { SosEventRow, SosRepository, SosRow } from './sos.repository';
import type { SosService } from './sos.service';
import { sosTopics, type HelpEnded, type LocationUpdateRow } from './sos.topics';
import { SosEventType, SosStatus } from './types/sos-enums';

const CLOSING: readonly SosEventType[] = [SosEventType.RESOLVED, SosEventType.CANCELLED];
/** Alerts changed this long before the last look are read again on a catch-up: clocks and commits are not exact. */
const RESYNC_MARGIN_MS = 5000;

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
    private readonly alertsRepository: SosAlertsRepository,
    private readonly volunteers: VolunteersService,
    private readonly pubsub: PubSub,
    private readonly outage: OutageIntake,
  ) {}

  /** Events of one SOS in seq order: for its requester, its assigned volunteer and staff. */
  async updates(ctx: Context, sosId: string, afterSeq: number | null | undefined): Promise<AsyncIterable<SosEventRow>> {
    const id = assertId('sosId', sosId);
    await this.watchable(ctx, id, WATCHERS);
    const feed = await this.pubsub.listen(sosTopics.events, id);
    return replayThenLive(feed, Math.max(0, afterSeq ?? 0), {
      after: (seq) => this.repository.eventsAfter(id, seq),
      seqOf: (event) => event.seq,
      isLast: (event) => CLOSING.includes(event.type),
      // Caught up with an SOS that is over already: nothing more will come.
      continues: async () => {
        const now = await this.fresh(id);
        return now !== null && now.status !== SosStatus.RESOLVED && now.status !== SosStatus.CANCELLED;
      },
      stillAllowed: () => this.stillWatching(ctx, id, WATCHERS),
      // The subscription's context lives long: what it cached of the SOS is stale by now.
      beforeEach: () => this.service.forget(ctx, id),
    });
  }

  /** Offers to the signed-in volunteer: open ones first, then new ones and changes as they happen. */
  async alerts(ctx: Context): Promise<AsyncIterable<AlertRow>> {
    const volunteerId = await this.ownVolunteerId(ctx);
    const feed = await this.pubsub.listen(sosTopics.alerts, volunteerId);
    return closingFeed(feed, this.alertsOf(volunteerId, feed));
  }

  /** From PostgreSQL, or while it is unreachable from the live index: a volunteer's app that reconnects then must still hear of queued SOS. */
  private async ownVolunteerId(ctx: Context): Promise<string> {
    try {
      const volunteer = await this.volunteers.byUserId(ctx, ctx.tokenUserId!);
      if (!volunteer) throw sosErrors.noVolunteerProfile();
      return volunteer.id;
    } catch (err) {
      if (!isDependencyUnavailable(err)) throw err;
      const indexed = await this.volunteers.volunteerIdFromIndex(ctx.tokenUserId!).catch(() => null);
      if (!indexed) throw err;
      return indexed;
    }
  }

  /** Open offers: from PostgreSQL, or while it is unreachable those of queued SOS (outage journal). */
  private async openOffers(volunteerId: string): Promise<AlertRow[]> {
    try {
      return await this.alertsRepository.openOf(volunteerId);
    } catch (err) {
      if (!isDependencyUnavailable(err)) throw err;
      return this.outage.offersTo(volunteerId);
    }
  }

  /** The assigned volunteer's position, for the requester and admins, while help is on the way. */
  async locations(ctx: Context, sosId: string): Promise<AsyncIterable<LocationUpdateRow>> {
    const id = assertId('sosId', sosId);
    await this.watchable(ctx, id, ['requester', 'staff'], true);
    const feed = await this.pubsub.listen(sosTopics.locations, id);
    return closingFeed(feed, this.locationsOf(ctx, id, feed));
  }

  /** For staff: every SOS that escalates (staff scoped to cities: in theirs); those still escalated are replayed first. */
  async escalations(ctx: Context): Promise<AsyncIterable<SosEventRow>> {
    if (!isStaff((await ctx.viewer())?.role)) throw sosErrors.staffOnly();
    const feed = await this.pubsub.listen(sosTopics.escalations, null);
    return closingFeed(feed, this.escalationsLive(ctx, feed));
  }

  private async *escalationsLive(ctx: Context, feed: Feed<SosEventRow>): AsyncGenerator<SosEventRow> {
    const seen = new Set<string>();
    const unseen = (events: SosEventRow[]) => events.filter((event) => !seen.has(event.id) && seen.add(event.id));
    // Staff scoped to cities hear of their cities' SOS only, as scoped now (the viewer is read
    // afresh every few seconds): the live event says which SOS, PostgreSQL which city.
    const scope = async () => (await ctx.viewer())?.cityIds ?? null;
    const inScope = async (event: SosEventRow, cityIds: readonly string[] | null) =>
      !cityIds || cityIds.includes((await this.repository.findByIds([event.sosId]))[0]?.cityId ?? '');
    try {
      yield* unseen(await this.repository.openEscalations(await scope()));
      // On RESYNC (pub/sub was down) the escalations still open are read again. (A demoted
      // professional is refused each event by the resolver's role check, read afresh every few seconds.)
      for await (const event of feed) {
        if (event === RESYNC) yield* unseen(await this.repository.openEscalations(await scope()));
        else if (await inScope(event, await scope())) yield* unseen([event]);
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
    let syncedAt = new Date();
    try {
      for (const open of await this.openOffers(volunteerId)) if (fresh(open)) yield open;
      for await (const alert of feed) {
        if (alert !== RESYNC) {
          if (fresh(alert)) yield alert;
          continue;
        }
        // Pub/sub was down: offers made, and offers withdrawn, since the last look.
        const since = new Date(syncedAt.getTime() - RESYNC_MARGIN_MS);
        syncedAt = new Date();
        for (const changed of await this.alertsRepository.changedSince(volunteerId, since)) if (fresh(changed)) yield changed;
      }
    } finally {
      feed.close();
    }
  }

  private async *locationsOf(ctx: Context, sosId: string, feed: Feed<LocationUpdateRow | HelpEnded>): AsyncGenerator<LocationUpdateRow> {
    const underWay = (sos: SosRow | null): sos is SosRow => sos !== null && (sos.status === SosStatus.ACCEPTED || sos.status === SosStatus.ARRIVED);
    try {
      // Over already (resolved, cancelled): nothing will come, the stream ends. (Before an accept it
      // waits: an app may follow the map as soon as it raised the SOS.)
      const atStart = await this.fresh(sosId);
      if (!atStart || atStart.status === SosStatus.RESOLVED || atStart.status === SosStatus.CANCELLED) return;
      for await (const update of feed) {
        const sos = await this.fresh(sosId);
        // Help came to its end (resolved, cancelled) or the volunteer was dropped: the stream ends.
        // (Checked on RESYNC too: the end may have been announced while pub/sub was down.)
        if (!underWay(sos)) return;
        if (update === RESYNC || 'helpEnded' in update || sos.assignedVolunteerId !== update.volunteerId) continue;
        if (!(await this.stillWatching(ctx, sosId, ['requester', 'staff'], true))) return;
        yield update;
      }
    } finally {
      feed.close();
    }
  }

  /** NOT_FOUND unless the viewer is one of `allowed` (and, for locations, only admins among staff). */
  private async watchable(ctx: Context, sosId: string, allowed: readonly Relation[], adminsOnly = false): Promise<void> {
    if (!(await this.stillWatching(ctx, sosId, allowed, adminsOnly))) throw sosErrors.notFound();
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
