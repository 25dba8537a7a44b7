import type { Context } from '../../platform/auth';
import { isUniqueViolation, type Sql, type Tx } from '../../platform/db';
import type { Emitter, EventBus } from '../../platform/events';
import { AppError, badInput, isDependencyUnavailable, notFound } from '../../platform/errors';
import { distanceMeters, type Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import { assertId } from '../../platform/validation';
import { FlagKind, FlagSubjectType, type FlagRaiser } from '../moderation';
import type { VolunteerRow, VolunteersService } from '../volunteers';
import type { Relation, SosAccess } from './sos.access';
import type { SosAlertsRepository } from './sos-alerts.repository';
import { sosErrors } from './sos.errors';
import type { SosEvents } from './sos.events';
import type { OutageIntake } from './sos.outage-intake';
import type { SosNoteRow, SosRepository, SosRow } from './sos.repository';
import type { RulesOf } from './sos.matching';
import type { SosScheduler } from './sos.scheduler';
import { allows, type SosAction } from './sos.transitions';
import { AlertStatus, SosEventType, SosStatus } from './types/sos-enums';

export interface LifecycleSettings {
  /** Distinct volunteers reporting a person's SOS as fake before the person is flagged. */
  fakeReportsToFlag: number;
  /** Cancelled share of a person's SOS (with at least `cancellationsMinimum` SOS) that flags them. */
  cancellationShareToFlag: number;
  cancellationsMinimum: number;
}

const NOTE_MAX_LENGTH = 1000;

/**
 * What people do to an SOS once it is raised: accept, decline, arrive, resolve, cancel, report,
 * rate. Each change is one transaction under the SOS's row lock, writes its timeline event in
 * that transaction, and is announced (`sos.changed`) once committed. Returns the SOS id.
 */
export class SosLifecycle {
  constructor(
    private readonly repository: SosRepository,
    private readonly alerts: SosAlertsRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<SosEvents>,
    private readonly access: SosAccess,
    private readonly volunteers: VolunteersService,
    private readonly flags: FlagRaiser,
    private readonly outage: OutageIntake,
    private readonly scheduler: SosScheduler,
    /** Its city's rules: a volunteer staff offer an SOS to has a matching step's time to accept. */
    private readonly rulesOf: RulesOf,
    /** Whether an admin suspended this account: staff offer no SOS to such a volunteer. */
    private readonly isSuspended: (ctx: Context, userId: string) => Promise<boolean>,
    private readonly settings: LifecycleSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * The first accept wins: the SOS row is locked, so of many volunteers accepting at once one
   * finds it MATCHING and takes it, the others find it ACCEPTED (CONFLICT). The other offers are
   * withdrawn and the conversation is opened (chat module), in the same transaction. While
   * PostgreSQL is unreachable, an SOS in the outage journal is accepted there (returned as is).
   */
  async accept(ctx: Context, sosId: string): Promise<string | SosRow> {
    const id = assertId('sosId', sosId);
    try {
      const volunteer = await this.ownVolunteer(ctx);
      await this.events
        .transaction(this.sql, (tx, { emit }) => this.take(tx, emit, id, volunteer, new Date()))
        .catch((err: unknown) => {
          // (The unique index on active assignments settles two accepts of different SOS racing.)
          if (isUniqueViolation(err)) throw sosErrors.alreadyAssigned();
          throw err;
        });
      this.logger.info({ sosId: id, volunteerId: volunteer.id }, 'SOS accepted');
      return id;
    } catch (err) {
      if (!isDependencyUnavailable(err)) throw err;
      const queued = await this.outage.accept(ctx.tokenUserId!, id).catch((journalErr: unknown) => {
        if (journalErr instanceof AppError) throw journalErr;
        return null;
      });
      if (!queued) throw err;
      return queued;
    }
  }

  /**
   * Gives the SOS to the volunteer whose offer is open (as of `at`), inside the caller's
   * transaction: `accept`, and the replay of an accept journaled during an outage. Throws an
   * AppError, before writing anything, when it may not; does nothing if it is theirs already.
   */
  async take(tx: Tx, emit: Emitter<SosEvents>['emit'], sosId: string, volunteer: Pick<VolunteerRow, 'id' | 'userId'>, at: Date): Promise<void> {
    const sos = await this.repository.lock(tx, sosId);
    const alert = sos && (await this.alerts.lock(tx, sosId, volunteer.id));
    if (!sos || !alert) throw sosErrors.notFound();
    // The winner's retry (its answer was lost on the way): the SOS is theirs already, nothing changes.
    if (sos.assignedVolunteerId === volunteer.id && (sos.status === SosStatus.ACCEPTED || sos.status === SosStatus.ARRIVED)) return;
    this.assertAllowed(sos, 'accepted');
    if (alert.status !== AlertStatus.OFFERED) throw sosErrors.offerClosed(alert.status);
    if (alert.expiresAt.getTime() <= at.getTime()) throw sosErrors.offerClosed('EXPIRED');
    if ((await this.repository.busyVolunteers(tx, [volunteer.id])).size > 0) throw sosErrors.alreadyAssigned();
    const alerts = [await this.alerts.setStatus(tx, alert.id, AlertStatus.ACCEPTED), ...(await this.alerts.closeOpen(tx, sosId, 'WITHDRAWN', volunteer.id))];
    await this.repository.update(tx, sosId, { status: SosStatus.ACCEPTED, assignedVolunteerId: volunteer.id, acceptedAt: at, nextStepAt: null, acceptsMade: 1 });
    const event = await this.repository.appendEvent(tx, sosId, SosEventType.ACCEPTED, null, at);
    await emit('sos.assignmentChanged', { volunteerId: volunteer.id, assignment: { sosId, requesterId: sos.requesterId } });
    await emit('sos.accepted', { sosId, requesterId: sos.requesterId, volunteerId: volunteer.id, volunteerUserId: volunteer.userId });
    await emit('sos.changed', { events: [event], alerts });
  }

  async decline(ctx: Context, sosId: string): Promise<void> {
    const volunteer = await this.ownVolunteer(ctx);
    const id = assertId('sosId', sosId);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const alert = await this.alerts.lock(tx, id, volunteer.id);
      if (!alert) throw sosErrors.notFound();
      if (alert.status !== AlertStatus.OFFERED) throw sosErrors.offerClosed(alert.status);
      await emit('sos.changed', { events: [], alerts: [await this.alerts.setStatus(tx, alert.id, AlertStatus.DECLINED)] });
    });
  }

  /** The requester calls it off; open offers are withdrawn, and cancelling most of one's SOS flags the person. */
  async cancel(ctx: Context, sosId: string, reason: string | null | undefined): Promise<string> {
    const id = assertId('sosId', sosId);
    const note = optionalText('reason', reason);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.repository.lock(tx, id);
      if (!sos || sos.requesterId !== ctx.tokenUserId) throw sosErrors.notFound();
      await this.callOff(tx, emit, sos, note, note);
      const record = await this.repository.cancellationRecord(tx, sos.requesterId);
      if (record.total >= this.settings.cancellationsMinimum && record.cancelled / record.total > this.settings.cancellationShareToFlag) {
        await this.flags.raise(tx, {
          kind: FlagKind.CANCELLATIONS,
          subjectType: FlagSubjectType.USER,
          subjectId: sos.requesterId,
          personId: sos.requesterId,
          evidence: { cancelled: record.cancelled, total: record.total, lastSosId: sos.id },
        });
      }
    });
    return id;
  }

  /**
   * Staff call an SOS off (a hoax, a duplicate, handled by phone): like the requester's cancel,
   * but with a reason required, without counting against the requester, and audited.
   */
  async cancelAsStaff(ctx: Context, sosId: string, reason: string): Promise<string> {
    const id = assertId('sosId', sosId);
    const why = requiredText('reason', reason);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.lockFor(ctx, tx, id, ['staff']);
      await this.callOff(tx, emit, sos, why, `Cancelled by staff: ${why}`);
      await emit('sos.cancelledByStaff', { sosId: id, staffId: ctx.tokenUserId!, reason: why });
    });
    return id;
  }

  /**
   * Staff take an open SOS from its volunteer (if it has one) and match it again from the first
   * radius, in a new round; or offer it to the volunteer they name, who has a step's time to
   * accept before matching carries on by itself. Open offers are withdrawn, and so is the dropped
   * volunteer's accepted one (their app hears it on `sosAlerts`). Audited.
   */
  async reassign(ctx: Context, sosId: string, volunteerId: string | null | undefined, reason: string | null | undefined): Promise<string> {
    const id = assertId('sosId', sosId);
    const why = optionalText('reason', reason);
    const named = volunteerId ? await this.offerable(ctx, assertId('volunteerId', volunteerId)) : null;
    const next = await this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.lockFor(ctx, tx, id, ['staff']);
      this.assertAllowed(sos, 'reassigned');
      if (named) await this.assertMayBeOffered(tx, sos, named);
      const withdrawn = await this.alerts.closeOpen(tx, id, 'WITHDRAWN');
      const dropped = sos.assignedVolunteerId;
      if (dropped) {
        const accepted = await this.alerts.lock(tx, id, dropped);
        if (accepted) withdrawn.push(await this.alerts.setStatus(tx, accepted.id, AlertStatus.WITHDRAWN));
        await emit('sos.assignmentChanged', { volunteerId: dropped, assignment: null });
        const droppedUserId = (await this.volunteers.userIdsOf(tx, [dropped])).get(dropped);
        if (droppedUserId) await emit('sos.volunteerDropped', { sosId: id, volunteerId: dropped, volunteerUserId: droppedUserId });
      }
      const round = sos.matchingRound + 1;
      const expiresAt = new Date(Date.now() + (await this.rulesOf(sos.cityId)).stepTimeoutSeconds * 1000);
      // A named volunteer has the first step of the new round to themself; otherwise it runs now.
      const changes = named
        ? { status: SosStatus.MATCHING, nextStepAt: expiresAt }
        : { status: SosStatus.PENDING, nextStepAt: new Date() };
      const reset = { ...changes, assignedVolunteerId: null, matchingRound: round, matchingStep: 0, searchRadiusMeters: 0 };
      // An offer to the named volunteer counts for the response statistics as a step's would.
      await this.repository.update(tx, id, named ? { ...reset, offersMade: 1, firstAlertAt: new Date() } : reset);
      const offered = named
        ? [await this.alerts.offerAgain(tx, { sosId: id, volunteerId: named.id, round, step: 0, distanceMeters: distanceMeters(named.location, sos), expiresAt })]
        : [];
      const said = why ? `: ${why}` : '';
      const events = named
        ? [await this.repository.appendEvent(tx, id, SosEventType.REASSIGNED, `Staff offered this SOS to a volunteer they chose${said}`)]
        : [
            await this.repository.appendEvent(tx, id, SosEventType.REASSIGNED, `Staff took this SOS from its volunteer${said}`),
            await this.repository.appendEvent(tx, id, SosEventType.REMATCHING, 'Looking for another volunteer'),
          ];
      const volunteerUsers = named ? new Map([[named.id, named.userId]]) : undefined;
      await emit('sos.changed', { events, alerts: [...offered, ...withdrawn], volunteerUsers });
      await emit('sos.reassigned', { sosId: id, staffId: ctx.tokenUserId!, droppedVolunteerId: dropped, offeredVolunteerId: named?.id ?? null, reason: why });
      return { ...sos, ...reset, lastSeq: events.at(-1)!.seq };
    });
    await this.scheduler.resume(next).catch((err: unknown) =>
      this.logger.error({ sosId: id, err: { message: (err as Error).message } }, 'matching did not resume; the sweeper will resume it'),
    );
    return id;
  }

  /** A volunteer staff may offer an SOS to: not turned down nor suspended, and somewhere known (the offer says how far). */
  private async offerable(ctx: Context, volunteerId: string): Promise<{ id: string; userId: string; location: Point }> {
    const [volunteer] = await this.volunteers.byIds(ctx, [volunteerId]);
    if (!volunteer) throw notFound('Volunteer');
    if (volunteer.rejectedAt) throw badInput('volunteerId', 'this volunteer was turned down (rejectVolunteer)');
    if (await this.isSuspended(ctx, volunteer.userId)) throw badInput('volunteerId', "this volunteer's account is suspended");
    if (volunteer.latitude === null || volunteer.longitude === null) throw badInput('volunteerId', 'this volunteer has never shared a location: nobody can tell them how far it is');
    return { id: volunteer.id, userId: volunteer.userId, location: { latitude: volunteer.latitude, longitude: volunteer.longitude } };
  }

  private async assertMayBeOffered(tx: Tx, sos: SosRow, volunteer: { id: string; userId: string }): Promise<void> {
    if (volunteer.userId === sos.requesterId) throw badInput('volunteerId', 'is the person who raised this SOS');
    if (volunteer.id === sos.assignedVolunteerId) throw badInput('volunteerId', 'is assigned to this SOS already');
    if ((await this.repository.busyVolunteers(tx, [volunteer.id])).size > 0) throw new AppError('CONFLICT', 'This volunteer is helping with another SOS');
  }

  /** Staff write a note on an SOS (any state), for staff only; audited. */
  async addNote(ctx: Context, sosId: string, text: string): Promise<SosNoteRow> {
    const id = assertId('sosId', sosId);
    const body = requiredText('text', text);
    return this.events.transaction(this.sql, async (tx, { emit }) => {
      await this.lockFor(ctx, tx, id, ['staff']);
      const note = await this.repository.addNote(tx, id, ctx.tokenUserId!, body);
      await emit('sos.noteAdded', { sosId: id, noteId: note.id, staffId: ctx.tokenUserId! });
      return note;
    });
  }

  /** The assigned volunteer is there. */
  async markArrived(ctx: Context, sosId: string): Promise<string> {
    await this.ownVolunteer(ctx);
    const id = assertId('sosId', sosId);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.lockFor(ctx, tx, id, ['assigned']);
      this.assertAllowed(sos, 'marked arrived');
      const arrivedAt = new Date();
      await this.repository.update(tx, id, { status: SosStatus.ARRIVED, arrivedAt });
      // With the SOS: who raised it is told (notifications), and is not in the event.
      await emit('sos.changed', { sos: { ...sos, status: SosStatus.ARRIVED, arrivedAt }, events: [await this.repository.appendEvent(tx, id, SosEventType.ARRIVED, null)], alerts: [] });
    });
    return id;
  }

  /**
   * The requester, the assigned volunteer or staff (an escalated SOS has no volunteer; staff
   * may close any SOS they oversee) close it as handled; the volunteer's completed count goes up.
   */
  async resolve(ctx: Context, sosId: string, note: string | null | undefined): Promise<string> {
    const id = assertId('sosId', sosId);
    const text = optionalText('note', note);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const sos = await this.lockFor(ctx, tx, id, ['requester', 'assigned', 'staff']);
      this.assertAllowed(sos, 'resolved');
      const alerts = await this.alerts.closeOpen(tx, id, 'WITHDRAWN');
      await this.repository.update(tx, id, { status: SosStatus.RESOLVED, closedAt: new Date(), nextStepAt: null, closeNote: text });
      if (sos.assignedVolunteerId) await this.volunteers.recordCompleted(tx, sos.assignedVolunteerId);
      const event = await this.repository.appendEvent(tx, id, SosEventType.RESOLVED, text);
      await this.closed(sos, emit, { events: [event], alerts });
    });
    return id;
  }

  /** An alerted or assigned volunteer says it is not real; enough different reporters flag the requester. */
  async reportFake(ctx: Context, sosId: string, reason: string | null | undefined): Promise<void> {
    const volunteer = await this.ownVolunteer(ctx);
    const id = assertId('sosId', sosId);
    const text = optionalText('reason', reason);
    await this.events.transaction(this.sql, async (tx) => {
      const sos = await this.lockFor(ctx, tx, id, ['alerted', 'assigned']);
      const reporters = await this.repository.reportFake(tx, id, volunteer.id, text, sos.requesterId);
      if (reporters >= this.settings.fakeReportsToFlag) {
        await this.flags.raise(tx, {
          kind: FlagKind.FAKE_SOS_REPORTS,
          subjectType: FlagSubjectType.USER,
          subjectId: sos.requesterId,
          personId: sos.requesterId,
          evidence: { reporters, sosId: id, volunteerId: volunteer.id, reason: text },
        });
      }
    });
  }

  /** The requester rates the volunteer, once, after resolution. */
  async rate(ctx: Context, sosId: string, rating: number, comment: string | null | undefined): Promise<void> {
    const id = assertId('sosId', sosId);
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw sosErrors.badRating();
    const text = optionalText('comment', comment);
    await this.events.transaction(this.sql, async (tx) => {
      const sos = await this.lockFor(ctx, tx, id, ['requester']);
      if (!allows(sos.status, 'rated') || !sos.assignedVolunteerId) throw sosErrors.wrongState(sos.status, 'rated');
      if (!(await this.repository.rate(tx, id, rating, text))) throw sosErrors.alreadyRated();
      await this.volunteers.recordRating(tx, sos.assignedVolunteerId, rating);
    });
  }

  /**
   * Locks an SOS for a change only some may make. Whoever has no part in it learns nothing
   * (NOT_FOUND); someone who sees it but may not make this change is FORBIDDEN.
   */
  private async lockFor(ctx: Context, tx: Tx, id: string, allowed: Relation[]): Promise<SosRow> {
    const sos = await this.repository.lock(tx, id);
    if (!sos) throw sosErrors.notFound();
    const relation = await this.access.relation(ctx, sos);
    if (relation === 'none') throw sosErrors.notFound();
    if (!allowed.includes(relation)) throw sosErrors.onlyFor(allowed);
    return sos;
  }

  private assertAllowed(sos: SosRow, action: SosAction): void {
    if (!allows(sos.status, action)) throw sosErrors.wrongState(sos.status, action);
  }

  /** Cancels a locked SOS: its open offers are withdrawn, its volunteer (if any) freed, everyone told. */
  private async callOff(tx: Tx, emit: Emitter<SosEvents>['emit'], sos: SosRow, closeNote: string | null, message: string | null): Promise<void> {
    this.assertAllowed(sos, 'cancelled');
    const alerts = await this.alerts.closeOpen(tx, sos.id, 'WITHDRAWN');
    await this.repository.update(tx, sos.id, { status: SosStatus.CANCELLED, closedAt: new Date(), nextStepAt: null, closeNote });
    const event = await this.repository.appendEvent(tx, sos.id, SosEventType.CANCELLED, message);
    await this.closed(sos, emit, { events: [event], alerts });
  }

  /** An SOS closed (resolved, cancelled): its volunteer, if any, is free again, and everyone is told. */
  private async closed(sos: SosRow, emit: Emitter<SosEvents>['emit'], change: SosEvents['sos.changed']): Promise<void> {
    if (sos.assignedVolunteerId) await emit('sos.assignmentChanged', { volunteerId: sos.assignedVolunteerId, assignment: null });
    await emit('sos.changed', change);
  }

  private async ownVolunteer(ctx: Context): Promise<VolunteerRow> {
    const volunteer = ctx.tokenUserId ? await this.volunteers.byUserId(ctx, ctx.tokenUserId) : null;
    if (!volunteer) throw sosErrors.volunteersOnly();
    return volunteer;
  }
}

function requiredText(field: string, value: string): string {
  const text = optionalText(field, value);
  if (!text) throw badInput(field, 'must not be empty');
  return text;
}

function optionalText(field: string, value: string | null | undefined): string | null {
  const text = value?.trim() || null;
  if (text && text.length > NOTE_MAX_LENGTH) throw sosErrors.textTooLong(field, NOTE_MAX_LENGTH);
  return text;
}
