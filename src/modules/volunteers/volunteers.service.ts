import { type Context, Role, signedIn } from '../../platform/auth';
import { inTransaction, isUniqueViolation, type Queryable, type Sql, type Tx } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import { AppError, badInput, forbidden, notFound, unauthenticated } from '../../platform/errors';
import type { FixThrottle, Point } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import { assertId } from '../../platform/validation';
import { pageOf } from '../../platform/graphql/cursor';
import { FlagKind, FlagSubjectType, type FlagRaiser } from '../moderation';
import type { UsersService } from '../users';
import { SearchTooBroadError, type VolunteerIndex } from './volunteer-index';
import type { SearchOptions, VolunteerSearch } from './volunteer-search';
import type { VolunteerEvents } from './volunteers.events';
import type { VolunteerLoaders } from './volunteers.loaders';
import type { LocationFix, NearbyHit, VolunteerRow, VolunteersRepository } from './volunteers.repository';
import { DEFAULT_LIMIT } from './types/volunteer.args';
import type { Skill } from './types/skill';

/** Most volunteers one search of the live index asks for (during a PostgreSQL outage): well within what its script may examine. */
const MAX_INDEX_WINDOW = 160;

export interface VolunteerSettings {
  staleSeconds: number;
  liveSeconds: number;
  assignedIntervalSeconds: number;
  idleIntervalSeconds: number;
  /** Drops for silence within 30 days that flag a volunteer for review. */
  disconnectionsToFlag: number;
}

export interface LocationAckResult {
  acceptedAt: Date;
  nextUpdateInSeconds: number;
}

export interface NearbyResult {
  volunteer: VolunteerRow;
  distanceMeters: number;
}

const distinct = <T>(values: readonly T[]): T[] => [...new Set(values)];

export class VolunteersService {
  constructor(
    private readonly sql: Sql,
    private readonly events: EventBus<VolunteerEvents>,
    private readonly repository: VolunteersRepository,
    private readonly index: VolunteerIndex,
    private readonly searcher: VolunteerSearch,
    private readonly throttle: FixThrottle,
    private readonly users: UsersService,
    private readonly flags: FlagRaiser,
    private readonly loaders: () => VolunteerLoaders,
    private readonly settings: VolunteerSettings,
    private readonly logger: Logger,
  ) {}

  // --- writes that join the SOS module's transactions ---------------------------------------

  /** The volunteer now helps with `sosId`, raised by `requesterId` (who may then see where they are), or no longer (null). */
  assign(tx: Tx, volunteerId: string, assignment: { sosId: string; requesterId: string } | null): Promise<void> {
    return this.repository.setAssignment(tx, volunteerId, assignment);
  }

  /** An SOS the volunteer saw through was resolved. */
  recordCompleted(tx: Tx, volunteerId: string): Promise<void> {
    return this.repository.addCompleted(tx, volunteerId);
  }

  recordRating(tx: Tx, volunteerId: string, rating: number): Promise<void> {
    return this.repository.addRating(tx, volunteerId, rating);
  }

  /** Offers the volunteers let expire: each lowers their rank in later matching. */
  countExpiredAlerts(tx: Tx, volunteerIds: readonly string[]): Promise<void> {
    return volunteerIds.length > 0 ? this.repository.countExpiredAlerts(tx, volunteerIds) : Promise.resolve();
  }

  /** A volunteer dropped from an SOS for silence; VOLUNTEER_DISCONNECTIONS_TO_FLAG drops in 30 days flag them for review. */
  async recordDisconnection(tx: Tx, volunteerId: string, sosId: string): Promise<void> {
    const drops = await this.repository.recordDisconnection(tx, volunteerId, sosId);
    if (drops < this.settings.disconnectionsToFlag) return;
    const personId = (await this.userIdsOf(tx, [volunteerId])).get(volunteerId) ?? null;
    await this.flags.raise(tx, { kind: FlagKind.DISCONNECTIONS, subjectType: FlagSubjectType.VOLUNTEER, subjectId: volunteerId, personId, evidence: { sosId, dropsIn30Days: drops } });
  }

  /** Locks the person's volunteer profile for the caller's transaction (an accept by them waits: their account's deletion); its id, if any. */
  lockProfileOf(tx: Tx, userId: string): Promise<string | null> {
    return this.repository.lockByUser(tx, userId);
  }

  /** Whether an open review flag is about this volunteer (the moderation module says), in its transaction. */
  setReviewFlag(tx: Tx, volunteerId: string, flagged: boolean): Promise<void> {
    return this.repository.setReviewFlag(tx, volunteerId, flagged);
  }

  /** Whose volunteer profiles these are (volunteer id -> account id), in the caller's transaction. */
  userIdsOf(tx: Tx, volunteerIds: readonly string[]): Promise<Map<string, string>> {
    return volunteerIds.length > 0 ? this.repository.userIdsOf(tx, volunteerIds) : Promise.resolve(new Map());
  }

  /** The person's volunteer profile, for their data export (their live position is not kept: only its durable copy). */
  async exportOf(userId: string, db: Queryable) {
    const [row] = await this.repository.findByUserIds([userId], db);
    if (!row) return null;
    const { id, skills, bio, verified, available, latitude, longitude, locationUpdatedAt, completedCount, ratingCount, ratingSum, disconnectionCount, rejectedAt, rejectionReason, createdAt } = row;
    return { id, skills, bio, verified, available, latitude, longitude, locationUpdatedAt, completedCount, ratingCount, ratingSum, disconnectionCount, rejectedAt, rejectionReason, createdAt };
  }

  /**
   * A suspended account's volunteer profile goes unavailable, in the suspension's transaction: no
   * SOS is offered to someone an admin suspended. Once reinstated, they go available again themselves.
   */
  standDown(tx: Tx, userId: string): Promise<void> {
    return this.repository.standDown(tx, userId);
  }

  /**
   * After a suspension or an account's deletion committed: the person's volunteer leaves the live
   * index (looked up there when its id is not known). Best effort: matching reads profiles from PostgreSQL.
   */
  async forgetLive(userId: string, volunteerId?: string): Promise<void> {
    await this.bestEffort('remove', async () => {
      const id = volunteerId ?? (await this.index.volunteerIdOf(userId));
      if (id) await this.index.remove(id, userId);
    });
  }

  /** Mirrors an assignment into the live index after it committed; best effort, PostgreSQL has the assignment. */
  async setLiveAssignment(volunteerId: string, sosId: string | null): Promise<void> {
    await this.bestEffort('assignment', () => this.index.setAssignment(volunteerId, sosId));
  }

  // --- from Redis alone, for SOS intake while PostgreSQL is unreachable ----------------------

  /**
   * Available volunteers nearest to `point` with a fresh location, not assigned to an SOS (and,
   * `verifiedOnly`, verified), nearest first: what the live index alone can say, unranked
   * (ranking reads profiles from PostgreSQL). Throws when Redis cannot answer.
   */
  async nearestFromIndex(point: Point, radiusMeters: number, options: SearchOptions & { verifiedOnly: boolean }): Promise<NearbyHit[]> {
    // The nearest may all be busy or unverified: the window widens until enough are left, the
    // index has no more, or a search would look at more than the index lets one script examine.
    let eligible: NearbyHit[] = [];
    for (let window = options.limit * 2; ; window = Math.min(window * 4, MAX_INDEX_WINDOW)) {
      let hits: NearbyHit[];
      try {
        hits = await this.searcher.fromIndexAlone(point, radiusMeters, { ...options, limit: window });
      } catch (err) {
        // Too many to look through in one script: those found in the narrower window will do.
        if (err instanceof SearchTooBroadError && eligible.length > 0) return eligible.slice(0, options.limit);
        throw err;
      }
      const ids = hits.map((h) => h.volunteerId);
      const [busy, verified] = await Promise.all([this.index.assigned(ids), options.verifiedOnly ? this.index.verifiedAmong(ids) : null]);
      eligible = hits.filter((h) => !busy.has(h.volunteerId) && (!verified || verified.has(h.volunteerId)));
      if (eligible.length >= options.limit || hits.length < window || window >= MAX_INDEX_WINDOW) return eligible.slice(0, options.limit);
    }
  }

  /** The user's volunteer id as the live index knows it (null if it does not). */
  volunteerIdFromIndex(userId: string): Promise<string | null> {
    return this.index.volunteerIdOf(userId);
  }

  /** Any signed-in person may volunteer; a USER becomes a VOLUNTEER (staff keep their role). */
  async becomeVolunteer(ctx: Context, input: { skills: Skill[]; bio?: string | null }): Promise<VolunteerRow> {
    const userId = signedIn(ctx);
    const user = await this.users.byId(ctx, userId);
    if (!user) throw unauthenticated();
    if (await this.load(ctx).byUserId.load(userId)) throw new AppError('CONFLICT', 'You are already a volunteer; use updateVolunteerSkills to change your skills');
    const bio = input.bio?.trim() || null;
    let id: string;
    try {
      id = await inTransaction(this.sql, async (tx) => {
        const created = await this.repository.create(tx, userId, distinct(input.skills), bio);
        if (user.role === Role.USER) await this.users.setRole(tx, userId, Role.VOLUNTEER);
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'You are already a volunteer; use updateVolunteerSkills to change your skills');
      throw err;
    }
    this.logger.info({ volunteerId: id }, 'volunteer signed up');
    return this.reloadAndIndex(ctx, id);
  }

  async updateSkills(ctx: Context, skills: Skill[]): Promise<VolunteerRow> {
    if (skills.length === 0) throw badInput('skills', 'must name at least one skill');
    const own = await this.own(ctx);
    await this.repository.updateSkills(own.id, distinct(skills));
    return this.reloadAndIndex(ctx, own.id);
  }

  /**
   * On: into the live index, at `location` when given, else at the stored location if it is
   * fresh, else at the next location update. Off: out of it.
   */
  async setAvailability(ctx: Context, available: boolean, location?: LocationFix | null): Promise<VolunteerRow> {
    const own = await this.own(ctx);
    if (available && own.rejectedAt) throw forbidden('Your volunteer application was turned down; contact the staff of your area');
    const now = new Date();
    await this.repository.setAvailable(own.id, available);
    if (location) {
      await this.repository.saveLocation(own.id, location, now);
      this.throttle.written(own.id, location, now.getTime());
    }
    return this.reloadAndIndex(ctx, own.id);
  }

  /**
   * The hot path (thousands a second): one Redis round trip moves the volunteer and beats their
   * heartbeat; PostgreSQL gets the fix only when the throttle says so. Redis down: PostgreSQL
   * alone, still throttled, and the volunteer's app never notices.
   */
  async updateLocation(ctx: Context, fix: LocationFix): Promise<LocationAckResult> {
    const userId = signedIn(ctx);
    const now = new Date();
    let volunteerId: string;
    let assignedSosId: string | null = null;
    try {
      let located = await this.index.locate(userId, fix, now.getTime());
      if (!located) {
        await this.index.prime([await this.ownRow(ctx, userId)], now.getTime() - this.settings.staleSeconds * 1000);
        located = await this.index.locate(userId, fix, now.getTime());
      }
      if (!located) throw new Error('volunteer index did not take the entry');
      volunteerId = located.volunteerId;
      assignedSosId = located.assignedSosId;
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.logger.warn({ err: { message: (err as Error).message } }, 'location update without Redis; PostgreSQL only');
      volunteerId = (await this.ownRow(ctx, userId)).id;
    }
    if (this.throttle.shouldPersist(volunteerId, fix, now.getTime())) await this.repository.saveLocation(volunteerId, fix, now);
    if (assignedSosId) await this.events.emit('volunteer.locationFixed', { volunteerId, sosId: assignedSosId, location: fix, at: now });
    return {
      acceptedAt: now,
      nextUpdateInSeconds: assignedSosId ? this.settings.assignedIntervalSeconds : this.settings.idleIntervalSeconds,
    };
  }

  /** ADMIN: verifies a volunteer (clearing a rejection), audited in the same transaction. */
  async verify(ctx: Context, volunteerId: string): Promise<VolunteerRow> {
    const adminId = signedIn(ctx);
    const id = assertId('volunteerId', volunteerId);
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const userId = await this.repository.verify(tx, id, adminId, (await ctx.viewer())?.cityIds ?? null);
      if (!userId) throw notFound('Volunteer');
      await emit('volunteer.verified', { volunteerId: id, userId, adminId });
    });
    return this.reloadAndIndex(ctx, id);
  }

  /**
   * ADMIN: turns a volunteer down (audited): out of the verification queue and the live index,
   * never alerted, and refused when they try to go available. verifyVolunteer undoes it.
   */
  async reject(ctx: Context, volunteerId: string, reason: string): Promise<VolunteerRow> {
    const adminId = signedIn(ctx);
    const id = assertId('volunteerId', volunteerId);
    const why = reason.trim();
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      const userId = await this.repository.reject(tx, id, why, (await ctx.viewer())?.cityIds ?? null);
      if (!userId) throw notFound('Volunteer');
      await emit('volunteer.rejected', { volunteerId: id, userId, adminId, reason: why });
    });
    return this.reloadAndIndex(ctx, id);
  }

  /** For staff: the verification queue, oldest first (staff scoped to cities: their volunteers). */
  async pending(ctx: Context, first: number | null | undefined, after: string | null | undefined) {
    // Staff scoped to cities: the volunteers whose last stored location is in theirs.
    const scope = (await ctx.viewer())?.cityIds ?? null;
    const page = await pageOf(
      { first, cursorField: 'after', cursor: after, shape: ['timestamp', 'uuid'] },
      (limit, cursor) => this.repository.pending(limit, cursor && { createdAt: cursor[0], id: cursor[1] }, scope),
      (row) => [row.createdAt.toISOString(), row.id],
    );
    for (const { node } of page.edges) this.load(ctx).byId.prime(node.id, node);
    return page;
  }

  /** For staff: who is free near a point, nearest first. */
  async nearby(ctx: Context, point: Point, radiusMeters: number, limit: number | null | undefined, skills: readonly Skill[] | null | undefined): Promise<NearbyResult[]> {
    const required = distinct(skills ?? []);
    const hits = await this.searcher.findNearbyVolunteers(point, radiusMeters, { limit: limit ?? DEFAULT_LIMIT, skills: required });
    const rows = await this.load(ctx).byId.loadMany(hits.map((h) => h.volunteerId));
    const results: NearbyResult[] = [];
    hits.forEach((hit, i) => {
      const row = rows[i];
      // PostgreSQL has the last word on availability and skills, should Redis lag behind a change.
      if (row && !(row instanceof Error) && row.available && required.every((s) => row.skills.includes(s))) {
        results.push({ volunteer: row, distanceMeters: hit.distanceMeters });
      }
    });
    return results;
  }

  /** Profiles by id (missing ones left out), in one query per request. */
  async byIds(ctx: Context, ids: readonly string[]): Promise<VolunteerRow[]> {
    const rows = await this.load(ctx).byId.loadMany(ids);
    return rows.filter((row): row is VolunteerRow => row !== null && !(row instanceof Error));
  }

  byUserId(ctx: Context, userId: string): Promise<VolunteerRow | null> {
    return this.load(ctx).byUserId.load(userId);
  }

  /** The most recent heartbeat: Redis has every one, PostgreSQL the throttled copy. */
  async lastSeenAt(ctx: Context, row: VolunteerRow): Promise<Date | null> {
    const live = await this.load(ctx).lastSeen.load(row.id);
    const stored = row.lastSeenAt?.getTime() ?? null;
    const latest = Math.max(live ?? 0, stored ?? 0);
    return latest > 0 ? new Date(latest) : null;
  }

  /** Available, and heard from within VOLUNTEER_STALE_SECONDS: availability lapses by itself. */
  async isAvailable(ctx: Context, row: VolunteerRow): Promise<boolean> {
    if (!row.available) return false;
    const seen = await this.lastSeenAt(ctx, row);
    return seen !== null && Date.now() - seen.getTime() <= this.settings.staleSeconds * 1000;
  }

  /**
   * Last heartbeat (ms) of each volunteer, the later of Redis's and PostgreSQL's. Throws when
   * Redis cannot say, and when its index is not built (a restarted Redis knows no heartbeats):
   * callers must not guess that someone went silent.
   */
  async heartbeats(ctx: Context, volunteerIds: readonly string[]): Promise<(number | null)[]> {
    if (!(await this.index.isReady())) {
      void this.searcher.rebuildIndex();
      throw new Error('volunteer index not built yet');
    }
    const [live, rows] = await Promise.all([this.index.lastSeen(volunteerIds), this.byIds(ctx, volunteerIds)]);
    const stored = new Map(rows.map((r) => [r.id, r.lastSeenAt?.getTime() ?? null]));
    return volunteerIds.map((id, i) => {
      const latest = Math.max(live[i] ?? 0, stored.get(id) ?? 0);
      return latest > 0 ? latest : null;
    });
  }

  /** Presence: a volunteer is live while their last location is at most PRESENCE_LIVE_SECONDS old. */
  async isLive(ctx: Context, row: VolunteerRow): Promise<boolean> {
    const seen = await this.lastSeenAt(ctx, row);
    return seen !== null && Date.now() - seen.getTime() <= this.settings.liveSeconds * 1000;
  }

  async visibleReliability(ctx: Context, row: VolunteerRow): Promise<number | null> {
    return ctx.tokenUserId === row.userId || (await this.isStaff(ctx)) ? row.disconnectionCount : null;
  }

  /** A rejection is for the volunteer themself and staff. */
  async visibleRejection(ctx: Context, row: VolunteerRow): Promise<{ at: Date; reason: string | null } | null> {
    if (!row.rejectedAt) return null;
    return ctx.tokenUserId === row.userId || (await this.isStaff(ctx)) ? { at: row.rejectedAt, reason: row.rejectionReason } : null;
  }

  /** The review flag is for professionals and admins. */
  async visibleFlag(ctx: Context, row: VolunteerRow): Promise<boolean | null> {
    return (await this.isStaff(ctx)) ? row.flaggedForReview : null;
  }

  /** Where a volunteer was last stored: for the volunteer themself, admins, and the person they are helping now. */
  async visibleLocation(ctx: Context, row: VolunteerRow): Promise<Point | null> {
    if (row.latitude === null || row.longitude === null || !ctx.tokenUserId) return null;
    const own = ctx.tokenUserId === row.userId || ctx.tokenUserId === row.assistingUserId;
    if (!own) {
      if ((await ctx.viewer())?.role !== Role.ADMIN) return null;
      await this.events.emit('volunteer.exactLocationRead', { volunteerId: row.id, staffId: ctx.tokenUserId });
    }
    return { latitude: row.latitude, longitude: row.longitude };
  }

  private async isStaff(ctx: Context): Promise<boolean> {
    const role = (await ctx.viewer())?.role;
    return role === Role.ADMIN || role === Role.PROFESSIONAL;
  }

  private async own(ctx: Context): Promise<VolunteerRow> {
    return this.ownRow(ctx, signedIn(ctx));
  }

  private async ownRow(ctx: Context, userId: string): Promise<VolunteerRow> {
    const row = await this.load(ctx).byUserId.load(userId);
    if (!row) throw forbidden('Only volunteers can do this; sign up with becomeVolunteer first');
    return row;
  }

  private load(ctx: Context): VolunteerLoaders {
    return ctx.loaders.get(this.loaders);
  }

  /** Re-reads a profile after a change and mirrors it into the index (best effort: PostgreSQL is the truth). */
  private async reloadAndIndex(ctx: Context, id: string): Promise<VolunteerRow> {
    const loaders = this.load(ctx);
    loaders.byId.clear(id);
    const row = (await loaders.byId.load(id))!;
    loaders.byUserId.clear(row.userId).prime(row.userId, row);
    await this.bestEffort('prime', () => this.index.prime([row], Date.now() - this.settings.staleSeconds * 1000));
    return row;
  }

  private async bestEffort(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.logger.warn({ what, err: { message: (err as Error).message } }, 'volunteer index not updated; PostgreSQL has the change');
    }
  }
}
