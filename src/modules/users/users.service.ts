import { Role, assertUnscoped, isStaff, signedIn, type Context, type Viewer } from '../../platform/auth';
import type { Queryable, Sql, Tx } from '../../platform/db';
import { AppError, badInput, notFound, unauthenticated } from '../../platform/errors';
import type { Emitter, EventBus } from '../../platform/events';
import { pageOf } from '../../platform/graphql/cursor';
import { assertId } from '../../platform/validation';
import { isSuspended, type NewUser, type UserRow, type UserSearch, type UsersRepository } from './users.repository';
import type { UsersEvents } from './users.events';
import type { UserLoader } from './users.loaders';

/** What `suspendedUntil` shows for a suspension without end (GraphQL has no infinity). */
const NO_END = new Date('9999-12-31T23:59:59.999Z');

export class UsersService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly userLoader: () => UserLoader,
    private readonly sql: Sql,
    private readonly events: EventBus<UsersEvents>,
  ) {}

  /**
   * ADMIN: suspends an account until `until` (null: until reinstated), audited. From the commit
   * on its tokens are refused, its sockets close, and it cannot sign in or refresh; it may still
   * raise an SOS, which goes to staff. An admin cannot suspend themself, nor another admin
   * (demote them first): the last admin must never be locked out.
   */
  async suspend(ctx: Context, userId: string, reason: string, until: Date | null): Promise<UserRow> {
    const id = await this.events.transaction(this.sql, (tx, { emit }) => this.suspendWithin(ctx, tx, emit, userId, reason, until));
    return this.reread(ctx, id);
  }

  /** The same, inside the caller's transaction (a review flag resolved by suspending commits with the suspension); the account's id. */
  async suspendWithin(ctx: Context, tx: Tx, emit: Emitter<UsersEvents>['emit'], userId: string, reason: string, until: Date | null): Promise<string> {
    const adminId = signedIn(ctx);
    assertUnscoped(await ctx.viewer());
    const id = assertId('userId', userId);
    const why = reason.trim();
    if (until && until.getTime() <= Date.now()) throw badInput('until', 'must be in the future');
    const user = await this.repository.lock(tx, id);
    if (!user) throw notFound('User');
    if (user.role === Role.ADMIN) throw new AppError('CONFLICT', 'An admin cannot be suspended: demote them first (setUserRole)');
    await this.repository.suspend(tx, id, why, until);
    await emit('user.suspended', { userId: id, adminId, reason: why, until });
    return id;
  }

  /** ADMIN: ends a suspension (audited); the person signs in again. */
  async reinstate(ctx: Context, userId: string): Promise<UserRow> {
    const adminId = signedIn(ctx);
    assertUnscoped(await ctx.viewer());
    const id = assertId('userId', userId);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const user = await this.repository.lock(tx, id);
      if (!user) throw notFound('User');
      if (user.suspendedAt === null) return;
      await this.repository.reinstate(tx, id);
      await emit('user.reinstated', { userId: id, adminId });
    });
    return this.reread(ctx, id);
  }

  /** Accounts suspended since `since`: an instance that may have missed the news catches up. */
  suspendedSince(since: Date): Promise<string[]> {
    return this.repository.suspendedSince(since);
  }

  /**
   * ADMIN: gives a person a role. VOLUNTEER is not given this way (becomeVolunteer does, with a
   * profile). The last admin cannot be demoted: nobody could appoint another. The change is
   * audited in its transaction, and takes effect at once: role checks read the role afresh.
   */
  async changeRole(ctx: Context, userId: string, role: Role): Promise<UserRow> {
    const adminId = signedIn(ctx);
    // A scoped admin could otherwise make an unscoped one.
    assertUnscoped(await ctx.viewer());
    const id = assertId('userId', userId);
    if (role === Role.VOLUNTEER) throw badInput('role', 'VOLUNTEER comes with a volunteer profile (becomeVolunteer); give USER, PROFESSIONAL or ADMIN');
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const admins = await this.repository.lockAdmins(tx);
      const user = await this.repository.lock(tx, id);
      if (!user) throw notFound('User');
      if (user.role === role) return;
      if (user.role === Role.ADMIN && admins.length <= 1) throw new AppError('CONFLICT', 'The last admin cannot be demoted: make someone else ADMIN first');
      await this.repository.setRole(tx, id, role);
      await emit('user.roleChanged', { userId: id, from: user.role, to: role, adminId });
    });
    return this.reread(ctx, id);
  }

  /** The signed-in user; UNAUTHENTICATED when the token's account no longer exists. */
  async me(ctx: Context): Promise<UserRow> {
    const user = ctx.tokenUserId ? await this.byId(ctx, ctx.tokenUserId) : null;
    if (!user) throw unauthenticated();
    return user;
  }

  /** For staff looking a person up: the id is checked before it reaches the database. */
  userById(ctx: Context, id: string): Promise<UserRow | null> {
    return this.byId(ctx, assertId('id', id));
  }

  /** The user as committed now (after a change this request made). */
  private async reread(ctx: Context, id: string): Promise<UserRow> {
    this.forget(ctx, id);
    return (await this.byId(ctx, id))!;
  }

  /** Drops a user from this context's cache (a long-lived subscription re-reads who its viewer is). */
  forget(ctx: Context, id: string): void {
    ctx.loaders.get(this.userLoader).clear(id);
  }

  byId(ctx: Context, id: string): Promise<UserRow | null> {
    return ctx.loaders.get(this.userLoader).load(id);
  }

  /** The viewer behind a verified token, with the role as it is now in the database. */
  async viewerOf(ctx: Context): Promise<Viewer | null> {
    if (!ctx.tokenUserId) return null;
    const user = await this.byId(ctx, ctx.tokenUserId);
    return user ? { id: user.id, role: user.role, suspended: isSuspended(user), cityIds: user.staffCityIds?.length ? user.staffCityIds : null } : null;
  }

  /** Email is private: the person themself and admins see it, nobody else. */
  async visibleEmail(ctx: Context, user: UserRow): Promise<string | null> {
    const viewer = await ctx.viewer();
    return viewer && (viewer.id === user.id || viewer.role === Role.ADMIN) ? user.email : null;
  }

  /** For staff: people by name (admins: or email), role, review flag and suspension, newest accounts first. */
  async search(ctx: Context, filter: Omit<UserSearch, 'inEmail'>, first: number | null | undefined, after: string | null | undefined) {
    const inEmail = (await ctx.viewer())?.role === Role.ADMIN;
    const page = await pageOf(
      { first, cursorField: 'after', cursor: after, shape: ['timestamp', 'uuid'] },
      (limit, cursor) => this.repository.search({ ...filter, query: filter.query?.trim(), inEmail }, limit, cursor && { createdAt: cursor[0], id: cursor[1] }),
      (user) => [user.createdAt.toISOString(), user.id],
    );
    for (const { node } of page.edges) ctx.loaders.get(this.userLoader).prime(node.id, node);
    return page;
  }

  /** A suspension in force, for the person themself and staff. `until` is far in the future for one without end. */
  async visibleSuspension(ctx: Context, user: UserRow): Promise<{ until: Date; reason: string | null } | null> {
    if (!isSuspended(user)) return null;
    const viewer = await ctx.viewer();
    if (!viewer || (viewer.id !== user.id && !isStaff(viewer.role))) return null;
    return { until: user.suspendedUntil ?? NO_END, reason: user.suspensionReason };
  }

  /** Review flags (repeated cancellations, fake reports) are for professionals and admins. */
  async visibleFlag(ctx: Context, user: UserRow): Promise<boolean | null> {
    const viewer = await ctx.viewer();
    return viewer && (viewer.role === Role.ADMIN || viewer.role === Role.PROFESSIONAL) ? user.flaggedForReview : null;
  }

  findByEmail(email: string): Promise<UserRow | null> {
    return this.repository.findByEmail(email);
  }

  // --- writes that join the caller's transaction ---------------------------------------------

  create(tx: Tx, user: NewUser): Promise<UserRow> {
    return this.repository.create(tx, user);
  }

  update(tx: Tx, id: string, changes: { displayName: string; role: Role }): Promise<UserRow> {
    return this.repository.update(tx, id, changes);
  }

  setRole(tx: Tx, id: string, role: Role): Promise<void> {
    return this.repository.setRole(tx, id, role);
  }

  /** The person proved this number theirs (a code sent to it), in the caller's transaction. */
  setVerifiedPhone(tx: Tx, id: string, phone: string): Promise<void> {
    return this.repository.setVerifiedPhone(tx, id, phone);
  }

  /** Where an SMS to this person goes: their number if they verified it, else null. */
  async verifiedPhoneOf(id: string): Promise<string | null> {
    const [user] = await this.repository.findByIds([id]);
    return user?.phoneVerified && user.phone ? user.phone : null;
  }

  /** Where account mail to this person goes. */
  async emailOf(id: string): Promise<string | null> {
    const [user] = await this.repository.findByIds([id]);
    return user?.email ?? null;
  }

  /** The staff (PROFESSIONAL and ADMIN), read in the caller's transaction. */
  staffIds(tx: Tx): Promise<string[]> {
    return this.repository.staffIds(tx);
  }

  /** The person's account, for their data export. */
  async exportOf(userId: string, db: Queryable) {
    const [user] = await this.repository.findByIds([userId], db);
    if (!user) return null;
    const { id, email, displayName, phone, phoneVerified, role, createdAt, suspendedAt, suspendedUntil, suspensionReason } = user;
    return { id, email, displayName, phone, phoneVerified, role, createdAt, suspendedAt, suspendedUntil, suspensionReason };
  }

  /** Locks the account's row for the rest of the caller's transaction: a raise or sign-up of it waits (its deletion). */
  async lockAccount(tx: Tx, userId: string): Promise<void> {
    await this.repository.lock(tx, userId);
  }

  /**
   * Deletes the account in the caller's transaction (the person asked; the privacy module has
   * anonymised what others keep). The last admin cannot go: nobody could appoint another.
   */
  async deleteAccount(tx: Tx, userId: string): Promise<void> {
    const admins = await this.repository.lockAdmins(tx);
    if (admins.length === 1 && admins[0] === userId) throw new AppError('CONFLICT', 'The last admin cannot delete their account: make someone else ADMIN first');
    await this.repository.delete(tx, userId);
  }

  /** Whether an open review flag is about this person (the moderation module says), in its transaction. */
  setReviewFlag(tx: Tx, id: string, flagged: boolean): Promise<void> {
    return this.repository.setReviewFlag(tx, id, flagged);
  }
}
