import { randomUUID } from 'node:crypto';
import { ACCOUNT_GONE, type Context } from '../../platform/auth';
import { isForeignKeyViolation, isUniqueViolation, type Sql, type Tx } from '../../platform/db';
import type { Emitter, EventBus } from '../../platform/events';
import { AppError, isDependencyUnavailable, unauthenticated } from '../../platform/errors';
import type { Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import { FlagKind, FlagSubjectType, type FlagRaiser } from '../moderation';
import type { Skill } from '../volunteers';
import { sosErrors } from './sos.errors';
import type { SosEvents } from './sos.events';
import type { OutageIntake } from './sos.outage-intake';
import type { NewSos, RaiseOutcome, SosEventRow, SosRepository, SosRow } from './sos.repository';
import type { SosScheduler } from './sos.scheduler';
import { spoofSuspicion } from './spoof-check';
import { SosEventType, SosStatus, type SosCategory } from './types/sos-enums';

/** The review flag of an SOS raised from a suspended account. */
export const SUSPENDED_ACCOUNT = 'raised from a suspended account';

/** Opens the review flags of an SOS's reasons at raise (a place far from its IP's, a suspended account), in its transaction. */
export async function flagRaisedSos(flags: FlagRaiser, tx: Tx, sos: { id: string; requesterId: string; flagReasons: string[] }): Promise<void> {
  for (const reason of sos.flagReasons) {
    await flags.raise(tx, {
      kind: reason === SUSPENDED_ACCOUNT ? FlagKind.SUSPENDED_ACCOUNT_SOS : FlagKind.SPOOFED_LOCATION,
      subjectType: FlagSubjectType.SOS,
      subjectId: sos.id,
      personId: sos.requesterId,
      evidence: { reason },
    });
  }
}

export interface IntakeSettings {
  perHour: number;
  spoofDistanceKm: number;
}

/**
 * A raised SOS: its id, and as it stands when the raise is answered (and how many volunteers were
 * alerted) where the intake knows that without reading it back.
 */
export interface Raised {
  id: string;
  sos?: SosRow;
  alertedCount?: number;
  /** Its timeline when the raise wrote all of it (its first step ran within): the response need not read it. */
  timeline?: SosEventRow[];
}

export interface RaiseInput {
  location: Point & { accuracyMeters?: number | null };
  category: SosCategory;
  description?: string | null;
  requiredSkills?: Skill[] | null;
  idempotencyKey: string;
}

/** Taking in an SOS: the one write a person in distress depends on. */
export class SosIntake {
  constructor(
    private readonly repository: SosRepository,
    private readonly sql: Sql,
    private readonly events: EventBus<SosEvents>,
    private readonly scheduler: SosScheduler,
    private readonly outage: OutageIntake,
    private readonly flags: FlagRaiser,
    private readonly settings: IntakeSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Raises an SOS. Acknowledged only once it is in PostgreSQL or, when PostgreSQL is unreachable,
   * in the outage journal (sos.outage-intake.ts). Matching's first step runs at once and, if that
   * fails, the sweeper starts it. A retry with the same key returns the same SOS (also when two
   * retries race, and across an outage); a second open SOS is a CONFLICT naming the first.
   */
  async raise(ctx: Context, input: RaiseInput): Promise<Raised> {
    if (!ctx.tokenUserId) throw unauthenticated();
    const suspicion = spoofSuspicion(input.location, ctx.clientIp, this.settings.spoofDistanceKm);
    // Known from the auth check (no query for an active account).
    const suspended = (await ctx.accountStanding()) === 'suspended';
    const sos: NewSos = {
      id: randomUUID(),
      requesterId: ctx.tokenUserId,
      idempotencyKey: input.idempotencyKey.trim(),
      category: input.category,
      description: input.description?.trim() || null,
      location: input.location,
      requiredSkills: [...new Set(input.requiredSkills ?? [])],
      clientIp: ctx.clientIp,
      flagReasons: [...(suspicion ? [suspicion] : []), ...(suspended ? [SUSPENDED_ACCOUNT] : [])],
    };
    try {
      return await this.persist(sos, suspended);
    } catch (err) {
      if (!isDependencyUnavailable(err)) throw err;
      const { location, ...rest } = sos;
      const queued = await this.outage.raise({ ...rest, latitude: location.latitude, longitude: location.longitude, accuracyMeters: location.accuracyMeters ?? null }).catch((journalErr: unknown) => {
        // Neither PostgreSQL nor Redis can hold it: UNAVAILABLE at once, and the app dials the emergency number.
        if (journalErr instanceof AppError) throw journalErr;
        this.logger.error({ sosId: sos.id, err: { message: (journalErr as Error).message } }, 'SOS refused: PostgreSQL and Redis are both unreachable');
        throw err;
      });
      return { id: queued.id, sos: queued };
    }
  }

  private async persist(sos: NewSos, fromSuspendedAccount: boolean): Promise<Raised> {
    const { requesterId, idempotencyKey: key } = sos;
    // Taken in during an outage and not replayed yet: that one answers (or is the open SOS).
    const queued = await this.outage.pending(requesterId, key).catch((err: unknown) => {
      if (err instanceof AppError) throw err;
      return null; // Redis is down: it holds nothing that could be found.
    });
    if (queued) return { id: queued.id, sos: queued };

    const limit = { since: new Date(Date.now() - 3600_000), count: this.settings.perHour };
    let outcome: RaiseOutcome;
    try {
      // The common case is one statement, its own transaction: a round trip counts when seconds do.
      // With review flags to open (or escalating at once) it takes a transaction for those writes.
      if (sos.flagReasons.length === 0) {
        outcome = await this.repository.raise(this.sql, sos, limit);
        if (outcome.written) await this.events.emit('sos.changed', { events: [outcome.written.created], alerts: [] });
      } else {
        outcome = await this.events.transaction(this.sql, async (tx, { emit }) => {
          const raised = await this.repository.raise(tx, sos, limit);
          if (raised.written) raised.written.sos = await this.flagged(tx, emit, raised.written, sos.flagReasons, fromSuspendedAccount);
          return raised;
        });
      }
    } catch (err) {
      if (isUniqueViolation(err)) {
        // A concurrent retry with the same key may have taken the one open place first: that is this SOS.
        const sameKey = await this.repository.findByKey(requesterId, key);
        if (sameKey) return { id: sameKey.id };
        throw sosErrors.alreadyOpen((await this.repository.findOpenByRequester(requesterId))?.id);
      }
      // The account was deleted after this instance last saw it (the token outlived it).
      if (isForeignKeyViolation(err, 'sos_requests_requester_id_fkey')) throw unauthenticated(ACCOUNT_GONE);
      throw err;
    }
    if (outcome.retriedId) return { id: outcome.retriedId };
    if (!outcome.written && outcome.recent.count >= limit.count) {
      throw sosErrors.tooMany(limit.count, (outcome.recent.oldest!.getTime() + 3600_000 - Date.now()) / 1000);
    }
    // Lost the race to a concurrent retry with the same key: that one is the SOS.
    if (!outcome.written) return { id: (await this.repository.findByKey(requesterId, key))!.id };
    const inserted = outcome.written.sos;
    if (sos.flagReasons.length > 0) this.logger.warn({ sosId: inserted.id, reasons: sos.flagReasons }, 'SOS flagged for review');
    this.logger.info({ sosId: inserted.id }, 'SOS raised');
    if (fromSuspendedAccount) return { id: inserted.id, sos: inserted, alertedCount: 0 };
    try {
      const step = await this.scheduler.begin(inserted);
      // Waiting its turn in the matching queue: raised, nobody alerted yet.
      if (step === 'queued') return { id: inserted.id, sos: inserted, alertedCount: 0 };
      if (step) {
        // Without review flags, the raise wrote CREATED and the step the event after it: the whole timeline.
        const timeline = sos.flagReasons.length === 0 ? [outcome.written.created, step.event] : undefined;
        return { id: inserted.id, sos: step.sos, alertedCount: step.offered, timeline };
      }
    } catch (err) {
      this.logger.error({ sosId: inserted.id, err: { message: (err as Error).message } }, 'matching did not start; the sweeper will start it');
    }
    return { id: inserted.id };
  }

  /**
   * In the raise's transaction: opens the review flags of `reasons` and announces the SOS; raised
   * from a suspended account, it escalates at once (volunteers are not sent to someone an admin
   * suspended: staff take it from the start). The SOS as it then stands.
   */
  private async flagged(tx: Tx, emit: Emitter<SosEvents>['emit'], raised: { sos: SosRow; created: SosEventRow }, reasons: string[], fromSuspendedAccount: boolean): Promise<SosRow> {
    await flagRaisedSos(this.flags, tx, { id: raised.sos.id, requesterId: raised.sos.requesterId, flagReasons: reasons });
    if (!fromSuspendedAccount) {
      await emit('sos.changed', { events: [raised.created], alerts: [] });
      return raised.sos;
    }
    const changes = { status: SosStatus.ESCALATED, nextStepAt: null, escalatedAt: new Date() };
    const escalated = await this.repository.appendEvent(tx, raised.sos.id, SosEventType.ESCALATED, 'Raised from a suspended account; professionals are alerted', null, changes);
    const sosNow = { ...raised.sos, ...changes, lastSeq: escalated.seq };
    await emit('sos.changed', { sos: sosNow, events: [raised.created, escalated], alerts: [] });
    return sosNow;
  }
}
