import { Role, type Context } from '../../platform/auth';
import { inTransaction, type Sql, type Tx } from '../../platform/db';
import { AppError, badInput, forbidden, notFound, rateLimited, unauthenticated } from '../../platform/errors';
import { connection, decodeCursor, pageSize } from '../../platform/graphql/cursor';
import type { Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import { assertId } from '../../platform/validation';
import type { Skill, VolunteerRow, VolunteersService } from '../volunteers';
import type { SosScheduler } from './sos.scheduler';
import type { SosLoaders } from './sos.loaders';
import type { Announcement, SosAnnouncer } from './sos.events';
import type { AlertRow, SosEventRow, SosRepository, SosRow } from './sos.repository';
import { spoofSuspicion } from './spoof-check';
import { AlertStatus, OPEN_STATUSES, SosEventType, SosStatus, type SosCategory } from './types/sos-enums';

export interface SosSettings {
  perHour: number;
  spoofDistanceKm: number;
  /** Distinct volunteers reporting a person's SOS as fake before the person is flagged. */
  fakeReportsToFlag: number;
  /** Cancelled share of a person's SOS (with at least `cancellationsMinimum` SOS) that flags them. */
  cancellationShareToFlag: number;
  cancellationsMinimum: number;
}

export interface RaiseInput {
  location: Point & { accuracyMeters?: number | null };
  category: SosCategory;
  description?: string | null;
  requiredSkills?: Skill[] | null;
  idempotencyKey: string;
}

/** Who a viewer is to an SOS; decides what they may see and do. */
export type Relation = 'requester' | 'assigned' | 'alerted' | 'staff' | 'none';

const STAFF: readonly Role[] = [Role.PROFESSIONAL, Role.ADMIN];

export class SosService {
  constructor(
    private readonly repository: SosRepository,
    private readonly sql: Sql,
    private readonly scheduler: SosScheduler,
    private readonly volunteers: VolunteersService,
    private readonly loaders: () => SosLoaders,
    private readonly announcer: SosAnnouncer,
    private readonly settings: SosSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Raises an SOS. Acknowledged only once it is in PostgreSQL; matching starts at once and, if
   * that fails, the sweeper starts it. A retry with the same key returns the same SOS (also
   * when two retries race); a second open SOS is a CONFLICT naming the first.
   */
  async raise(ctx: Context, input: RaiseInput): Promise<SosRow> {
    const requesterId = this.signedIn(ctx);
    const key = input.idempotencyKey.trim();
    const retried = await this.repository.findByKey(requesterId, key);
    if (retried) return retried;

    const since = new Date(Date.now() - 3600_000);
    const recent = await this.repository.raisedSince(requesterId, since);
    if (recent.count >= this.settings.perHour) {
      throw rateLimited(`At most ${this.settings.perHour} SOS per hour`, (recent.oldest!.getTime() + 3600_000 - Date.now()) / 1000);
    }
    const suspicion = spoofSuspicion(input.location, ctx.clientIp, this.settings.spoofDistanceKm);
    let id: string | null;
    const announcement: Announcement = { events: [] };
    try {
      id = await inTransaction(this.sql, async (tx) => {
        const created = await this.repository.insert(tx, {
          requesterId,
          idempotencyKey: key,
          category: input.category,
          description: input.description?.trim() || null,
          location: input.location,
          requiredSkills: [...new Set(input.requiredSkills ?? [])],
          clientIp: ctx.clientIp,
          flagReasons: suspicion ? [suspicion] : [],
        });
        if (created) announcement.events!.push(await this.repository.appendEvent(tx, created, SosEventType.CREATED, null));
        return created;
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        const open = await this.repository.findOpenByRequester(requesterId);
        throw new AppError('CONFLICT', `You already have an open SOS (${open?.id ?? 'unknown'}); cancel or resolve it first`, { openSosId: open?.id });
      }
      throw err;
    }
    // Lost the race to a concurrent retry with the same key: that one is the SOS.
    if (!id) return (await this.repository.findByKey(requesterId, key))!;
    await this.announcer.announce(announcement);
    if (suspicion) this.logger.warn({ sosId: id, suspicion }, 'SOS flagged for review');
    this.logger.info({ sosId: id }, 'SOS raised');
    try {
      await this.scheduler.run(id);
    } catch (err) {
      this.logger.error({ sosId: id, err: { message: (err as Error).message } }, 'matching did not start; the sweeper will start it');
    }
    return this.fresh(ctx, id);
  }

  /** An SOS the viewer may see (requester, assigned or alerted volunteer, staff); null otherwise, never FORBIDDEN. */
  async visible(ctx: Context, id: string): Promise<SosRow | null> {
    const sos = await this.load(ctx).byId.load(assertId('id', id));
    return sos && (await this.relation(ctx, sos)) !== 'none' ? sos : null;
  }

  async mine(ctx: Context, first: number | null | undefined, after: string | null | undefined) {
    const requesterId = this.signedIn(ctx);
    const size = pageSize('first', first);
    const cursor = after ? decodeCursor('after', after, ['string', 'string']) : null;
    const rows = await this.repository.pageOfRequester(requesterId, size + 1, cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null);
    for (const row of rows) this.load(ctx).byId.prime(row.id, row);
    return connection(rows, size, (sos) => [sos.createdAt.toISOString(), sos.id]);
  }

  /** The SOS the signed-in volunteer is assigned to now, if any. */
  async myAssignment(ctx: Context): Promise<SosRow | null> {
    const volunteer = await this.ownVolunteer(ctx, false);
    if (!volunteer) return null;
    const id = await this.repository.activeAssignmentOf(volunteer.id);
    return id ? this.load(ctx).byId.load(id) : null;
  }

  async myAlerts(ctx: Context): Promise<AlertRow[]> {
    const volunteer = await this.ownVolunteer(ctx, false);
    return volunteer ? this.repository.openAlertsOf(volunteer.id) : [];
  }

  /** For staff: SOS not yet closed, escalated ones first. */
  openForStaff(limit: number | null | undefined): Promise<SosRow[]> {
    return this.repository.findOpenForStaff(pageSize('limit', limit ?? 50));
  }

  /**
   * The first accept wins: the SOS row is locked, so of many volunteers accepting at once one
   * finds it MATCHING and takes it, the others find it ACCEPTED (CONFLICT). The other offers are
   * withdrawn and a conversation is opened, in the same transaction.
   */
  async accept(ctx: Context, sosId: string): Promise<SosRow> {
    const volunteer = await this.ownVolunteer(ctx, true);
    const id = assertId('sosId', sosId);
    const announcement: Announcement = { events: [], alerts: [] };
    const { sos } = await inTransaction(this.sql, async (tx) => {
      // (The unique index on active assignments settles two accepts of different SOS racing: see the catch below.)
      const locked = await this.repository.lock(tx, id);
      const alert = locked && (await this.repository.lockAlert(tx, id, volunteer!.id));
      if (!locked || !alert) throw notFound('SOS');
      if (locked.status !== SosStatus.MATCHING && locked.status !== SosStatus.PENDING) throw this.wrongState(locked, 'accepted');
      if (alert.status !== AlertStatus.OFFERED || alert.expiresAt.getTime() <= Date.now()) {
        throw new AppError('CONFLICT', `Your offer for this SOS is ${alert.status === AlertStatus.OFFERED ? 'EXPIRED' : alert.status}`, { alertStatus: alert.status });
      }
      if ((await this.repository.busyVolunteers(tx, [volunteer!.id])).size > 0) throw new AppError('CONFLICT', 'You are already assigned to another SOS');
      announcement.alerts!.push(await this.repository.setAlertStatus(tx, alert.id, AlertStatus.ACCEPTED));
      announcement.alerts!.push(...(await this.repository.closeOpenAlerts(tx, id, 'WITHDRAWN', volunteer!.id)));
      await this.repository.update(tx, id, { status: SosStatus.ACCEPTED, assignedVolunteerId: volunteer!.id, acceptedAt: new Date(), nextStepAt: null });
      announcement.events!.push(await this.repository.appendEvent(tx, id, SosEventType.ACCEPTED, null));
      await this.repository.createConversation(tx, id, [locked.requesterId, volunteer!.userId]);
      return { sos: locked };
    }).catch((err: unknown) => {
      if ((err as { code?: string }).code === '23505') throw new AppError('CONFLICT', 'You are already assigned to another SOS');
      throw err;
    });
    await this.volunteers.setAssignment(volunteer!.id, id);
    await this.announcer.announce(announcement);
    this.logger.info({ sosId: sos.id, volunteerId: volunteer!.id }, 'SOS accepted');
    return this.fresh(ctx, id);
  }

  async decline(ctx: Context, sosId: string): Promise<boolean> {
    const volunteer = await this.ownVolunteer(ctx, true);
    const id = assertId('sosId', sosId);
    const declined = await inTransaction(this.sql, async (tx) => {
      const alert = await this.repository.lockAlert(tx, id, volunteer!.id);
      if (!alert) throw notFound('SOS');
      if (alert.status !== AlertStatus.OFFERED) throw new AppError('CONFLICT', `Your offer for this SOS is already ${alert.status}`, { alertStatus: alert.status });
      return this.repository.setAlertStatus(tx, alert.id, AlertStatus.DECLINED);
    });
    await this.announcer.announce({ alerts: [declined] });
    return true;
  }

  /** The requester calls it off; open offers are withdrawn. */
  async cancel(ctx: Context, sosId: string, reason: string | null | undefined): Promise<SosRow> {
    const requesterId = this.signedIn(ctx);
    const id = assertId('sosId', sosId);
    const note = this.optionalText('reason', reason);
    const closed = await inTransaction(this.sql, async (tx) => {
      const sos = await this.repository.lock(tx, id);
      if (!sos || sos.requesterId !== requesterId) throw notFound('SOS');
      if (!OPEN_STATUSES.includes(sos.status)) throw this.wrongState(sos, 'cancelled');
      const alerts = await this.repository.closeOpenAlerts(tx, id, 'WITHDRAWN');
      await this.repository.update(tx, id, { status: SosStatus.CANCELLED, closedAt: new Date(), nextStepAt: null, closeNote: note });
      const event = await this.repository.appendEvent(tx, id, SosEventType.CANCELLED, note);
      const record = await this.repository.cancellationRecord(tx, requesterId);
      if (record.total >= this.settings.cancellationsMinimum && record.cancelled / record.total > this.settings.cancellationShareToFlag) {
        await this.repository.flagUser(tx, requesterId, 'cancels most of their SOS');
      }
      return { sos, announcement: { events: [event], alerts } };
    });
    await this.closed(closed.sos, closed.announcement);
    return this.fresh(ctx, id);
  }

  /** The assigned volunteer is there. */
  async markArrived(ctx: Context, sosId: string): Promise<SosRow> {
    await this.ownVolunteer(ctx, true);
    const id = assertId('sosId', sosId);
    const event = await inTransaction(this.sql, async (tx) => {
      const sos = await this.lockFor(ctx, tx, id, ['assigned']);
      if (sos.status !== SosStatus.ACCEPTED) throw this.wrongState(sos, 'marked arrived');
      await this.repository.update(tx, id, { status: SosStatus.ARRIVED, arrivedAt: new Date() });
      return this.repository.appendEvent(tx, id, SosEventType.ARRIVED, null);
    });
    await this.announcer.announce({ events: [event] });
    return this.fresh(ctx, id);
  }

  /** The requester, the assigned volunteer or staff (an escalated SOS has no volunteer) close it as handled; the volunteer's completed count goes up. */
  async resolve(ctx: Context, sosId: string, note: string | null | undefined): Promise<SosRow> {
    const id = assertId('sosId', sosId);
    const text = this.optionalText('note', note);
    const closed = await inTransaction(this.sql, async (tx) => {
      const sos = await this.lockFor(ctx, tx, id, ['requester', 'assigned', 'staff']);
      if (sos.status !== SosStatus.ACCEPTED && sos.status !== SosStatus.ARRIVED && sos.status !== SosStatus.ESCALATED) throw this.wrongState(sos, 'resolved');
      const alerts = await this.repository.closeOpenAlerts(tx, id, 'WITHDRAWN');
      await this.repository.update(tx, id, { status: SosStatus.RESOLVED, closedAt: new Date(), nextStepAt: null, closeNote: text });
      if (sos.assignedVolunteerId) await this.repository.countCompleted(tx, sos.assignedVolunteerId);
      const event = await this.repository.appendEvent(tx, id, SosEventType.RESOLVED, text);
      return { sos, announcement: { events: [event], alerts } };
    });
    await this.closed(closed.sos, closed.announcement);
    return this.fresh(ctx, id);
  }

  /** An alerted or assigned volunteer says it is not real; enough different reporters flag the requester. */
  async reportFake(ctx: Context, sosId: string, reason: string | null | undefined): Promise<boolean> {
    const volunteer = await this.ownVolunteer(ctx, true);
    const id = assertId('sosId', sosId);
    const text = this.optionalText('reason', reason);
    await inTransaction(this.sql, async (tx) => {
      const sos = await this.lockFor(ctx, tx, id, ['alerted', 'assigned']);
      const reporters = await this.repository.reportFake(tx, id, volunteer!.id, text, sos.requesterId);
      if (reporters >= this.settings.fakeReportsToFlag) await this.repository.flagUser(tx, sos.requesterId, 'SOS reported as fake by several volunteers');
    });
    return true;
  }

  /** The requester rates the volunteer, once, after resolution. */
  async rate(ctx: Context, sosId: string, rating: number, comment: string | null | undefined): Promise<boolean> {
    const id = assertId('sosId', sosId);
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw badInput('rating', 'must be a whole number from 1 to 5');
    const text = this.optionalText('comment', comment);
    await inTransaction(this.sql, async (tx) => {
      const sos = await this.lockFor(ctx, tx, id, ['requester']);
      if (sos.status !== SosStatus.RESOLVED || !sos.assignedVolunteerId) throw this.wrongState(sos, 'rated');
      if (!(await this.repository.rate(tx, id, sos.assignedVolunteerId, rating, text))) throw new AppError('CONFLICT', 'This SOS has been rated already');
    });
    return true;
  }

  // --- what a viewer may see ----------------------------------------------------------------

  async relation(ctx: Context, sos: SosRow): Promise<Relation> {
    if (!ctx.tokenUserId) return 'none';
    if (sos.requesterId === ctx.tokenUserId) return 'requester';
    const volunteer = await this.volunteers.byUserId(ctx, ctx.tokenUserId);
    if (volunteer && sos.assignedVolunteerId === volunteer.id) return 'assigned';
    const viewer = await ctx.viewer();
    if (viewer && STAFF.includes(viewer.role)) return 'staff';
    if (volunteer && (await this.load(ctx).alerted.load(`${sos.id}:${volunteer.id}`))) return 'alerted';
    return 'none';
  }

  /** Alerted volunteers see where, roughly (about 100 m), until they accept. */
  async visibleLocation(ctx: Context, sos: SosRow): Promise<Point> {
    const exact = { latitude: sos.latitude, longitude: sos.longitude };
    if ((await this.relation(ctx, sos)) !== 'alerted') return exact;
    return { latitude: Math.round(sos.latitude * 1000) / 1000, longitude: Math.round(sos.longitude * 1000) / 1000 };
  }

  async showsRequester(ctx: Context, sos: SosRow): Promise<boolean> {
    return ['requester', 'assigned', 'staff'].includes(await this.relation(ctx, sos));
  }

  timeline(ctx: Context, sos: SosRow): Promise<SosEventRow[]> {
    return this.load(ctx).timeline.load(sos.id);
  }

  alertedCount(ctx: Context, sos: SosRow): Promise<number> {
    return this.load(ctx).alertedCount.load(sos.id);
  }

  /** Whether the viewer is the requester of an SOS this volunteer is working on now. */
  async isHelpedBy(ctx: Context, volunteerId: string): Promise<boolean> {
    return ctx.tokenUserId ? this.load(ctx).helping.load(`${ctx.tokenUserId}:${volunteerId}`) : false;
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

  private async fresh(ctx: Context, id: string): Promise<SosRow> {
    this.forget(ctx, id);
    return (await this.load(ctx).byId.load(id))!;
  }

  /**
   * Locks an SOS for a change only some may make. Nobody related to it learns nothing
   * (NOT_FOUND); someone who sees it but may not make this change is FORBIDDEN.
   */
  private async lockFor(ctx: Context, tx: Tx, id: string, allowed: Relation[]): Promise<SosRow> {
    const sos = await this.repository.lock(tx, id);
    if (!sos) throw notFound('SOS');
    const relation = await this.relation(ctx, sos);
    if (relation === 'none') throw notFound('SOS');
    if (!allowed.includes(relation)) throw forbidden(`Only the ${allowed.join(' or ')} may do this`);
    return sos;
  }

  /** After an SOS closed: the volunteer is free again, and everyone is told. */
  private async closed(sos: SosRow, announcement: Announcement): Promise<void> {
    if (sos.assignedVolunteerId) await this.volunteers.setAssignment(sos.assignedVolunteerId, null);
    await this.announcer.announce(announcement);
  }

  private optionalText(field: string, value: string | null | undefined): string | null {
    const text = value?.trim() || null;
    if (text && text.length > 1000) throw badInput(field, 'must be at most 1000 characters long');
    return text;
  }

  private wrongState(sos: SosRow, action: string): AppError {
    return new AppError('CONFLICT', `This SOS is ${sos.status} and cannot be ${action}`, { status: sos.status });
  }

  private signedIn(ctx: Context): string {
    if (!ctx.tokenUserId) throw unauthenticated();
    return ctx.tokenUserId;
  }

  private async ownVolunteer(ctx: Context, required: boolean): Promise<VolunteerRow | null> {
    const volunteer = await this.volunteers.byUserId(ctx, this.signedIn(ctx));
    if (!volunteer && required) throw forbidden('Only volunteers can do this');
    return volunteer;
  }

  private load(ctx: Context): SosLoaders {
    return ctx.loaders.get(this.loaders);
  }
}
