import type { Queryable, Sql, Tx } from '../../platform/db';
import { inBatches, type PersonalData, type RetentionCutoffs } from '../../platform/privacy';
import { COARSE_RESOLUTION, parentCellBigintSql } from '../../platform/geo';
import { DELETED_ACCOUNT_ID } from '../users';


/**
 * Rounds a location to 0.01° (about 1.1 km north-south, less east-west): where, not which door;
 * its H3 cell becomes the one of about 0.7 km² around it.
 */
const COARSENED = `location = ST_SetSRID(ST_MakePoint(round(ST_X(location::geometry)::numeric, 2), round(ST_Y(location::geometry)::numeric, 2)), 4326)::geography,
  h3_cell = ${parentCellBigintSql('h3_cell', String(COARSE_RESOLUTION))},
  location_accuracy_m = GREATEST(COALESCE(location_accuracy_m, 0), 1000), location_coarsened_at = now()`;

/** What the SOS tables hold of people: their export, their retention, the erasure of a requester. */
export class SosPersonalData implements PersonalData {
  constructor(private readonly sql: Sql) {}

  /** The SOS the person raised, with their timelines, and the alerts they received as a volunteer. */
  async exportOf(userId: string, db: Queryable) {
    const raised = await db.query(
      `SELECT s.id, s.category, s.description, ST_Y(s.location::geometry) AS latitude, ST_X(s.location::geometry) AS longitude,
              s.location_accuracy_m AS "accuracyMeters", s.required_skills::text[] AS "requiredSkills", s.status, s.client_ip AS "clientIp",
              s.created_at AS "createdAt", s.accepted_at AS "acceptedAt", s.arrived_at AS "arrivedAt", s.closed_at AS "closedAt",
              s.close_note AS "closeNote", s.rating, s.rating_comment AS "ratingComment",
              COALESCE((SELECT json_agg(json_build_object('seq', e.seq, 'type', e.type, 'message', e.message, 'at', e.at) ORDER BY e.seq)
                          FROM sos_events e WHERE e.sos_id = s.id), '[]') AS timeline
         FROM sos_requests s WHERE s.requester_id = $1 ORDER BY s.created_at`,
      [userId],
    );
    const alerts = await db.query(
      `SELECT a.sos_id AS "sosId", a.status, a.distance_m AS "distanceMeters", a.created_at AS "offeredAt", a.seen_at AS "seenAt", a.responded_at AS "respondedAt",
              (SELECT count(*)::int FROM sos_route_points r WHERE r.sos_id = a.sos_id AND r.volunteer_id = a.volunteer_id) AS "routePointsKept"
         FROM sos_alerts a JOIN volunteer_profiles v ON v.id = a.volunteer_id WHERE v.user_id = $1 ORDER BY a.created_at`,
      [userId],
    );
    return { raised: raised.rows, alertsReceived: alerts.rows };
  }

  async purge(cutoffs: RetentionCutoffs): Promise<Record<string, number>> {
    const changed = async (text: string, before: Date, limit: number) => (await this.sql.query(text, [before, limit])).rowCount ?? 0;
    const sosClientIps = await inBatches((limit) =>
      changed(
        `UPDATE sos_requests SET client_ip = NULL WHERE id IN (SELECT id FROM sos_requests WHERE client_ip IS NOT NULL AND created_at < $1 LIMIT $2)`,
        cutoffs.clientIpBefore,
        limit,
      ),
    );
    const sosLocationsCoarsened = await inBatches((limit) =>
      changed(
        `UPDATE sos_requests SET ${COARSENED}
          WHERE id IN (SELECT id FROM sos_requests WHERE closed_at IS NOT NULL AND location_coarsened_at IS NULL AND closed_at < $1 LIMIT $2)`,
        cutoffs.exactLocationBefore,
        limit,
      ),
    );
    const routePoints = await inBatches((limit) =>
      changed(
        `DELETE FROM sos_route_points WHERE id IN (SELECT r.id FROM sos_route_points r JOIN sos_requests s ON s.id = r.sos_id WHERE s.closed_at IS NOT NULL AND s.closed_at < $1 LIMIT $2)`,
        cutoffs.routeBefore,
        limit,
      ),
    );
    return { sosClientIps, sosLocationsCoarsened, routePoints };
  }

  /**
   * A requester deleted their account: their SOS stay (the volunteers who helped keep their
   * history) under the deleted-account requester, without what they wrote (description, notes,
   * rating comment, the messages of their cancel and resolve), their IP address or their exact
   * location.
   */
  async anonymiseRequester(tx: Tx, userId: string): Promise<void> {
    // What they wrote when they cancelled or closed it is on the timeline too.
    await tx.query(
      `UPDATE sos_events SET message = NULL WHERE type IN ('CANCELLED', 'RESOLVED') AND sos_id IN (SELECT id FROM sos_requests WHERE requester_id = $1)`,
      [userId],
    );
    await tx.query(
      `UPDATE sos_requests SET requester_id = $2, idempotency_key = id::text, description = NULL, close_note = NULL, rating_comment = NULL, client_ip = NULL,
              ${COARSENED}, updated_at = now()
        WHERE requester_id = $1`,
      [userId, DELETED_ACCOUNT_ID],
    );
  }

  /** Whether the person has an SOS open, or is on the way to one as its volunteer: their account must wait. */
  async openInvolvement(tx: Tx, userId: string): Promise<'requester' | 'volunteer' | null> {
    const { rows } = await tx.query<{ requester: boolean; volunteer: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM sos_requests WHERE requester_id = $1 AND status IN ('PENDING', 'MATCHING', 'ACCEPTED', 'ARRIVED', 'ESCALATED')) AS requester,
              EXISTS (SELECT 1 FROM sos_requests s JOIN volunteer_profiles v ON v.id = s.assigned_volunteer_id
                       WHERE v.user_id = $1 AND s.status IN ('ACCEPTED', 'ARRIVED')) AS volunteer`,
      [userId],
    );
    return rows[0].requester ? 'requester' : rows[0].volunteer ? 'volunteer' : null;
  }
}
