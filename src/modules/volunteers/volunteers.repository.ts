import { EARTH_RADIUS_METERS, finestCell, type Point } from '../../platform/geo';
import type { Db, Queryable, Sql, Tx } from '../../platform/db';
import { insideCitiesSql } from '../cities';
import type { Skill } from './types/skill';

/** A volunteer profile as the module works with it (location flattened to degrees). */
export interface VolunteerRow {
  id: string;
  userId: string;
  skills: Skill[];
  bio: string | null;
  verified: boolean;
  available: boolean;
  latitude: number | null;
  longitude: number | null;
  locationUpdatedAt: Date | null;
  lastSeenAt: Date | null;
  completedCount: number;
  ratingSum: number;
  ratingCount: number;
  /** Reliability, which lowers a volunteer's rank in matching. */
  disconnectionCount: number;
  expiredAlertCount: number;
  /** An open review flag is about this volunteer (after VOLUNTEER_DISCONNECTIONS_TO_FLAG drops in 30 days; the moderation module keeps it). */
  flaggedForReview: boolean;
  /** The SOS the volunteer is on the way to or at now, and the person who raised it (who may follow them). */
  assignedSosId: string | null;
  assistingUserId: string | null;
  /** Turned down by an admin (rejectVolunteer): never alerted, cannot go available. */
  rejectedAt: Date | null;
  rejectionReason: string | null;
  createdAt: Date;
}

export interface LocationFix extends Point {
  accuracyMeters?: number | null;
  headingDegrees?: number | null;
  speedMps?: number | null;
}

export interface NearbyQuery {
  point: Point;
  radiusMeters: number;
  limit: number;
  skills: readonly Skill[];
  excludeIds: readonly string[];
  staleSeconds: number;
}

export interface NearbyHit {
  volunteerId: string;
  distanceMeters: number;
}

const COLUMNS = `v.id, v.user_id AS "userId", v.skills::text[] AS skills, v.bio, v.verified, v.available,
  ST_Y(v.location::geometry) AS latitude, ST_X(v.location::geometry) AS longitude,
  v.location_updated_at AS "locationUpdatedAt", v.last_seen_at AS "lastSeenAt",
  v.completed_count AS "completedCount", v.rating_sum AS "ratingSum", v.rating_count AS "ratingCount",
  v.disconnection_count AS "disconnectionCount", v.expired_alert_count AS "expiredAlertCount", v.flagged_for_review AS "flaggedForReview",
  v.assigned_sos_id AS "assignedSosId", v.assisting_user_id AS "assistingUserId",
  v.rejected_at AS "rejectedAt", v.rejection_reason AS "rejectionReason", v.created_at AS "createdAt"`;

/**
 * PostGIS measures geography on a sphere of radius 6371008.7714 m when asked not to use the
 * spheroid (and `<->` always does); Redis uses a slightly larger sphere. Scaling by the ratio
 * makes both paths agree on every distance, every radius boundary and so every order.
 */
const TO_REDIS_SPHERE = EARTH_RADIUS_METERS / 6371008.7714;

/** How many of the closest available volunteers the fast PostGIS plan looks at, per attempt. */
const NEAREST_SCANS = (limit: number) => [Math.max(64, limit * 3), Math.max(512, limit * 24)];

/**
 * The only code that touches volunteer tables (`volunteer_profiles`, `volunteer_disconnections`).
 * Raw SQL for PostGIS columns, the hot paths and writes that join a transaction (Tx); Prisma for
 * plain single-row writes.
 */
export class VolunteersRepository {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
  ) {}

  async findByIds(ids: readonly string[]): Promise<VolunteerRow[]> {
    const { rows } = await this.sql.query<VolunteerRow>(`SELECT ${COLUMNS} FROM volunteer_profiles v WHERE v.id = ANY($1::uuid[])`, [ids]);
    return rows;
  }

  async findByUserIds(userIds: readonly string[], db: Queryable = this.sql): Promise<VolunteerRow[]> {
    const { rows } = await db.query<VolunteerRow>(`SELECT ${COLUMNS} FROM volunteer_profiles v WHERE v.user_id = ANY($1::uuid[])`, [userIds]);
    return rows;
  }

  async create(tx: Tx, userId: string, skills: Skill[], bio: string | null): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO volunteer_profiles (id, user_id, skills, bio, updated_at) VALUES (gen_random_uuid(), $1, $2::"Skill"[], $3, now()) RETURNING id',
      [userId, skills, bio],
    );
    return rows[0].id;
  }

  async updateSkills(id: string, skills: Skill[]): Promise<void> {
    await this.db.volunteerProfile.update({ where: { id }, data: { skills } });
  }

  /** Verifies (and clears a rejection); the volunteer's user id, or null when there is no such volunteer. */
  async verify(tx: Tx, id: string, adminId: string, cityIds: readonly string[] | null): Promise<string | null> {
    const { rows } = await tx.query<{ userId: string }>(
      `UPDATE volunteer_profiles SET verified = true, verified_at = now(), verified_by = $2, rejected_at = NULL, rejection_reason = NULL, updated_at = now()
        WHERE id = $1 AND ${insideCitiesSql('location', '$3')} RETURNING user_id AS "userId"`,
      [id, adminId, cityIds],
    );
    return rows[0]?.userId ?? null;
  }

  /** The person's profile goes unavailable (their account was suspended). */
  async standDown(tx: Tx, userId: string): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET available = false, updated_at = now() WHERE user_id = $1', [userId]);
  }

  /** Turns a volunteer down: unverified, unavailable, out of the queue. The user id, or null when there is no such volunteer. */

  async reject(tx: Tx, id: string, reason: string, cityIds: readonly string[] | null): Promise<string | null> {
    const { rows } = await tx.query<{ userId: string }>(
      `UPDATE volunteer_profiles SET rejected_at = now(), rejection_reason = $2, verified = false, verified_at = NULL, verified_by = NULL, available = false, updated_at = now()
        WHERE id = $1 AND ${insideCitiesSql('location', '$3')} RETURNING user_id AS "userId"`,
      [id, reason, cityIds],
    );
    return rows[0]?.userId ?? null;
  }

  /** The verification queue: unverified and not rejected, oldest first, after the cursor's (createdAt, id); of these cities, when given. */
  async pending(limit: number, after: { createdAt: string; id: string } | null, cityIds: readonly string[] | null): Promise<VolunteerRow[]> {
    const { rows } = await this.sql.query<VolunteerRow>(
      `SELECT ${COLUMNS} FROM volunteer_profiles v
        WHERE v.verified = false AND v.rejected_at IS NULL AND ($1::timestamptz IS NULL OR (v.created_at, v.id) > ($1, $2::uuid))
          AND ${insideCitiesSql('v.location', '$4')}
        ORDER BY v.created_at, v.id LIMIT $3`,
      [after?.createdAt ?? null, after?.id ?? null, limit, cityIds],
    );
    return rows;
  }

  /** Records (or, with null, ends) the SOS a volunteer is helping with, and whose it is. */
  async setAssignment(tx: Tx, id: string, assignment: { sosId: string; requesterId: string } | null): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET assigned_sos_id = $2, assisting_user_id = $3, updated_at = now() WHERE id = $1', [
      id,
      assignment?.sosId ?? null,
      assignment?.requesterId ?? null,
    ]);
  }

  async addRating(tx: Tx, id: string, rating: number): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET rating_sum = rating_sum + $2, rating_count = rating_count + 1 WHERE id = $1', [id, rating]);
  }

  async addCompleted(tx: Tx, id: string): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET completed_count = completed_count + 1 WHERE id = $1', [id]);
  }

  /** Volunteer id -> account id, read in the caller's transaction. */
  async userIdsOf(tx: Tx, ids: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await tx.query<{ id: string; userId: string }>('SELECT id, user_id AS "userId" FROM volunteer_profiles WHERE id = ANY($1::uuid[])', [ids]);
    return new Map(rows.map((r) => [r.id, r.userId]));
  }

  async countExpiredAlerts(tx: Tx, ids: readonly string[]): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET expired_alert_count = expired_alert_count + 1 WHERE id = ANY($1::uuid[])', [ids]);
  }

  /** Records a drop for silence; returns how many drops the volunteer had in the last 30 days. */
  async recordDisconnection(tx: Tx, id: string, sosId: string): Promise<number> {
    await tx.query('INSERT INTO volunteer_disconnections (volunteer_id, sos_id) VALUES ($1, $2)', [id, sosId]);
    await tx.query('UPDATE volunteer_profiles SET disconnection_count = disconnection_count + 1 WHERE id = $1', [id]);
    const { rows } = await tx.query<{ drops: number }>(
      `SELECT count(*)::int AS drops FROM volunteer_disconnections WHERE volunteer_id = $1 AND at > now() - interval '30 days'`,
      [id],
    );
    return rows[0].drops;
  }

  async setReviewFlag(tx: Tx, id: string, flagged: boolean): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET flagged_for_review = $2 WHERE id = $1', [id, flagged]);
  }

  /** Locks a person's volunteer profile for the caller's transaction; its id, or null when they have none. */
  async lockByUser(tx: Tx, userId: string): Promise<string | null> {
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM volunteer_profiles WHERE user_id = $1 FOR UPDATE', [userId]);
    return rows[0]?.id ?? null;
  }

  async setAvailable(id: string, available: boolean): Promise<void> {
    await this.sql.query('UPDATE volunteer_profiles SET available = $2, updated_at = now() WHERE id = $1', [id, available]);
  }

  /** The durable copy of a location fix; also the heartbeat PostgreSQL knows of. */
  async saveLocation(id: string, fix: LocationFix, at: Date): Promise<void> {
    await this.sql.query(
      `UPDATE volunteer_profiles
          SET location = ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, location_accuracy_m = $4, heading_degrees = $5,
              speed_mps = $6, location_updated_at = $7, last_seen_at = $7, h3_cell = $8, updated_at = now()
        WHERE id = $1`,
      [id, fix.longitude, fix.latitude, fix.accuracyMeters ?? null, fix.headingDegrees ?? null, fix.speedMps ?? null, at, finestCell(fix)],
    );
  }

  /**
   * The PostGIS path of the geo search: available, fresh volunteers within the radius, nearest
   * first. Two plans, because no single one is good for both kinds of search:
   * - first, walk the GiST index in distance order (`ORDER BY <-> LIMIT`) over the closest
   *   available volunteers (a few dozen, then a few hundred) and keep those with the skills.
   *   Dense matches are found in a fraction of a millisecond, however wide the radius;
   * - when that cannot settle it (a rare skill), ask the exact question with ST_DWithin, which
   *   lets the planner combine the GiST and skills (GIN) indexes.
   * (ST_DWithin in the first query would make the planner measure and sort everyone in the
   * radius: 40,000 people for 10 km in a city, 60 ms instead of 0.5.)
   */
  async findNearby(query: NearbyQuery): Promise<NearbyHit[]> {
    for (const scan of NEAREST_SCANS(query.limit)) {
      const scanned = await this.nearestAmongClosest(query, scan);
      if (scanned.settled) return scanned.hits;
    }
    return this.nearestWithin(query);
  }

  private async nearestAmongClosest(query: NearbyQuery, scan: number): Promise<{ hits: NearbyHit[]; settled: boolean }> {
    const { point, radiusMeters, limit, skills, excludeIds, staleSeconds } = query;
    const { rows } = await this.sql.query<{ id: string; distance: number; scanned: string; reach: number }>(
      `SELECT id, distance, scanned, reach FROM (
         SELECT id, skills, distance, count(*) OVER () AS scanned, max(distance) OVER () AS reach FROM (
           SELECT v.id, v.skills, (v.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) * ${TO_REDIS_SPHERE} AS distance
             FROM volunteer_profiles v
            WHERE v.available AND v.location IS NOT NULL
              AND v.last_seen_at > now() - make_interval(secs => $4)
              AND v.id <> ALL($6::uuid[])
            ORDER BY v.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography
            LIMIT $8
         ) closest
       ) counted
       WHERE skills @> $5::"Skill"[] AND distance <= $3
       ORDER BY distance
       LIMIT $7`,
      [point.longitude, point.latitude, radiusMeters, staleSeconds, skills, excludeIds, limit, scan],
    );
    const hits = rows.map((r) => ({ volunteerId: r.id, distanceMeters: r.distance }));
    const first = rows[0];
    // Settled: enough found, or the scan ran out of volunteers or past the radius before the cap.
    const settled = rows.length >= limit || (first !== undefined && (Number(first.scanned) < scan || first.reach > radiusMeters));
    return { hits, settled };
  }

  private async nearestWithin(query: NearbyQuery): Promise<NearbyHit[]> {
    const { point, radiusMeters, limit, skills, excludeIds, staleSeconds } = query;
    const { rows } = await this.sql.query<{ id: string; distance: number }>(
      `SELECT v.id, (v.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) * ${TO_REDIS_SPHERE} AS distance
         FROM volunteer_profiles v
        WHERE v.available
          AND v.last_seen_at > now() - make_interval(secs => $4)
          AND ST_DWithin(v.location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3 / ${TO_REDIS_SPHERE}, false)
          AND v.skills @> $5::"Skill"[]
          AND v.id <> ALL($6::uuid[])
        ORDER BY v.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography
        LIMIT $7`,
      [point.longitude, point.latitude, radiusMeters, staleSeconds, skills, excludeIds, limit],
    );
    return rows.map((r) => ({ volunteerId: r.id, distanceMeters: r.distance }));
  }

  /** Available volunteers with a fresh location: what the Redis index is rebuilt from. */
  async findIndexable(staleSeconds: number): Promise<VolunteerRow[]> {
    const { rows } = await this.sql.query<VolunteerRow>(
      `SELECT ${COLUMNS} FROM volunteer_profiles v
        WHERE v.available AND v.location IS NOT NULL AND v.last_seen_at > now() - make_interval(secs => $1)`,
      [staleSeconds],
    );
    return rows;
  }
}
