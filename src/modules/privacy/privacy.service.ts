import { signedIn, type Context } from '../../platform/auth';
import type { ReplicaReads, Sql, Tx } from '../../platform/db';
import { AppError, badInput } from '../../platform/errors';
import type { EventBus } from '../../platform/events';
import type { PersonalData } from '../../platform/privacy';
import type { PrivacyEvents } from './privacy.events';

/** What the privacy module needs of the modules that hold people's data (wired in src/app/modules.ts). */
export interface PrivacyPorts {
  /** Each module's section of a person's export, by section name. */
  sections: Record<string, PersonalData['exportOf']>;
  isPassword(userId: string, password: string): Promise<boolean>;
  /**
   * Locks the account and its volunteer profile for the deletion's transaction, before anything
   * is checked: an SOS raised or an offer accepted meanwhile waits, then finds the account gone.
   * The volunteer profile's id, if the person has one.
   */
  lockAccount(tx: Tx, userId: string): Promise<string | null>;
  /** Whether the person has an SOS open, or is on the way to one as its volunteer. */
  openInvolvement(tx: Tx, userId: string): Promise<'requester' | 'volunteer' | null>;
  /** In the deletion's transaction: anonymises what others keep and deletes the account (CONFLICT for the last admin). */
  erase(tx: Tx, userId: string): Promise<void>;
}

/** A person's rights over their data: a copy of all of it, and the deletion of their account. */
export class PrivacyService {
  constructor(
    private readonly sql: Sql,
    private readonly reads: ReplicaReads,
    private readonly events: EventBus<PrivacyEvents>,
    private readonly ports: PrivacyPorts,
  ) {}

  /** Everything the API holds about the viewer, by module; no secrets (password hash, tokens, push tokens). */
  async exportMyData(ctx: Context): Promise<Record<string, unknown>> {
    const userId = signedIn(ctx);
    const names = Object.keys(this.ports.sections);
    // A heavy read: the replica takes it once it has everything committed before it began.
    const sections = await this.reads.read((db) => Promise.all(names.map((name) => this.ports.sections[name](userId, db))));
    return { exportedAt: new Date().toISOString(), userId, ...Object.fromEntries(names.map((name, i) => [name, sections[i]])) };
  }

  /**
   * Deletes the viewer's account once they confirm with their password. Their SOS stay for the
   * volunteers who helped, without their identity; everything else of theirs goes. Refused while
   * they have an SOS open or are on the way to one (CONFLICT), and for the last admin.
   */
  async deleteMyAccount(ctx: Context, password: string): Promise<boolean> {
    const userId = signedIn(ctx);
    if (!(await this.ports.isPassword(userId, password))) throw badInput('password', 'is not your password');
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const volunteerId = await this.ports.lockAccount(tx, userId);
      const involvement = await this.ports.openInvolvement(tx, userId);
      if (involvement === 'requester') throw new AppError('CONFLICT', 'You have an SOS open: cancel or resolve it before deleting your account');
      if (involvement === 'volunteer') throw new AppError('CONFLICT', 'You are on the way to an SOS: resolve it or hand it back before deleting your account');
      await this.ports.erase(tx, userId);
      await emit('account.deleted', { userId, volunteerId });
    });
    return true;
  }
}
