import { Role, signedIn, type Context } from '../../platform/auth';
import type { Queryable, Sql, Tx } from '../../platform/db';
import { AppError, badInput, forbidden, notFound } from '../../platform/errors';
import type { Emitter, EventBus } from '../../platform/events';
import { pageOf } from '../../platform/graphql/cursor';
import { assertId } from '../../platform/validation';
import { FlagAction, FlagEventType, FlagState, type FlagSubjectType } from './flag-kinds';
import type { Concern, FlagEventRow, FlagFilter, FlagRow, FlagsRepository } from './flags.repository';
import type { ModerationEvents } from './moderation.events';
import type { FlagHistoryLoader } from './moderation.loaders';

/** What moderation needs of the modules whose people and records it flags (wired in src/app/modules.ts). */
export interface ModerationPorts {
  /** Keeps the subject's own `flaggedForReview` true while one of its flags is open, in the transaction. */
  markSubject(tx: Tx, subjectType: FlagSubjectType, subjectId: string, flagged: boolean): Promise<void>;
  /** Suspends the person as suspendUser does (audited there; CONFLICT for an admin), in the flag's transaction. */
  suspend(ctx: Context, tx: Tx, emit: Emitter<ModerationEvents>['emit'], userId: string, reason: string): Promise<unknown>;
}

const RESOLUTIONS: Record<FlagAction, { state: FlagState; event: FlagEventType }> = {
  [FlagAction.CLEAR]: { state: FlagState.CLEARED, event: FlagEventType.CLEARED },
  [FlagAction.WARN]: { state: FlagState.ACTIONED, event: FlagEventType.WARNED },
  [FlagAction.SUSPEND]: { state: FlagState.ACTIONED, event: FlagEventType.SUSPENDED },
};

/**
 * Review flags: modules raise concerns inside the transaction that noticed them; staff list and
 * resolve them. A concern raised again while its flag is open adds to that flag's history.
 */
export class ModerationService {
  constructor(
    private readonly repository: FlagsRepository,
    private readonly history: () => FlagHistoryLoader,
    private readonly sql: Sql,
    private readonly events: EventBus<ModerationEvents>,
    private readonly ports: ModerationPorts,
  ) {}

  /** In the caller's transaction: opens a flag (the subject shows flagged) or adds to the open one. */
  async raise(tx: Tx, concern: Concern): Promise<void> {
    const { id, opened } = await this.repository.raise(tx, concern);
    await this.repository.addEvent(tx, id, opened ? FlagEventType.OPENED : FlagEventType.RAISED_AGAIN, null, null, concern.evidence);
    if (opened) await this.ports.markSubject(tx, concern.subjectType, concern.subjectId, true);
  }

  /** Staff scoped to cities see the flags about their cities' SOS, volunteers and requesters. */
  async page(ctx: Context, filter: FlagFilter, first: number | null | undefined, after: string | null | undefined) {
    const scope = (await ctx.viewer())?.cityIds ?? null;
    const checked: FlagFilter = {
      ...filter,
      subjectId: filter.subjectId ? assertId('subjectId', filter.subjectId) : null,
      personId: filter.personId ? assertId('personId', filter.personId) : null,
    };
    return pageOf(
      { first, cursorField: 'after', cursor: after, shape: ['timestamp', 'uuid'] },
      (limit, cursor) => this.repository.page(checked, limit, cursor && { openedAt: cursor[0], id: cursor[1] }, scope),
      (row) => [row.openedAt.toISOString(), row.id],
    );
  }

  /** The flags concerning a person, for their data export. */
  exportOf(userId: string, db: Queryable): Promise<unknown[]> {
    return this.repository.ofPerson(userId, db);
  }

  historyOf(ctx: Context, flagId: string): Promise<FlagEventRow[]> {
    return ctx.loaders.get(this.history).load(flagId);
  }

  /**
   * Staff close an open flag. SUSPEND (admins only) suspends the person concerned, as
   * suspendUser does, in the same transaction: a refused suspension leaves the flag open, and a
   * flag closed is a person suspended. Audited.
   */
  async resolve(ctx: Context, flagId: string, action: FlagAction, note: string): Promise<FlagRow> {
    const staffId = signedIn(ctx);
    const id = assertId('id', flagId);
    // Staff scoped to cities resolve their cities' flags only (another's is NOT_FOUND).
    const scope = (await ctx.viewer())?.cityIds ?? null;
    const text = note.trim();
    if (action === FlagAction.SUSPEND && (await ctx.viewer())?.role !== Role.ADMIN) {
      throw forbidden('Only an admin may suspend: resolve with CLEAR or WARN, or ask an admin');
    }
    const { state, event } = RESOLUTIONS[action];
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const flag = await this.repository.lock(tx, id, scope);
      if (!flag) throw notFound('Flag');
      if (flag.state !== FlagState.OPEN) throw alreadyResolved(flag);
      if (action === FlagAction.SUSPEND) {
        if (!flag.personId) throw badInput('action', 'the person concerned no longer has an account: nobody to suspend');
        await this.ports.suspend(ctx, tx, emit, flag.personId, text);
      }
      const { subjectStillFlagged } = await this.repository.resolve(tx, flag, state, action, staffId, text);
      await this.repository.addEvent(tx, id, event, staffId, text, null);
      if (!subjectStillFlagged) await this.ports.markSubject(tx, flag.subjectType, flag.subjectId, false);
      const { kind, subjectType, subjectId, personId } = flag;
      await emit('flag.resolved', { flagId: id, kind, subjectType, subjectId, personId, action, note: text, staffId });
    });
    return (await this.repository.find(id, null))!;
  }
}

const alreadyResolved = (flag: FlagRow) => new AppError('CONFLICT', `This flag was resolved already (${flag.state})`, { state: flag.state });
