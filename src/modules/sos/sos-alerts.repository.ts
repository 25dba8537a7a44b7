import type { Sql, Tx } from '../../platform/db';
import type { CandidateFacts } from './sos.ranking';
import type { AlertStatus } from './types/sos-enums';

export interface AlertRow {
  id: string;
  sosId: string;
  volunteerId: string;
  round: number;
  step: number;
  distanceMeters: number;
  status: AlertStatus;
  expiresAt: Date;
  createdAt: Date;
  /** When the volunteer's app showed it (markAlertSeen): the SMS fallback is then not needed. */
  seenAt: Date | null;
}

const ALERT_COLUMNS = `id, sos_id AS "sosId", volunteer_id AS "volunteerId", round, step, distance_m AS "distanceMeters", status,
  expires_at AS "expiresAt", created_at AS "createdAt", seen_at AS "seenAt"`;

export interface NewAlert {
  /** Given when the offer was made before (replayed from the outage journal). */
  id?: string;
  sosId: string;
  volunteerId: string;
  round: number;
  step: number;
  distanceMeters: number;
  expiresAt: Date;
}

/** The only code that writes `sos_alerts`: the offers made to volunteers (it reads `sos_requests` to skip busy volunteers). */
export class SosAlertsRepository {
  constructor(private readonly sql: Sql) {}

  /** Every volunteer ever alerted for this SOS (in any round). */
  async alertedVolunteerIds(sosId: string): Promise<string[]> {
    const { rows } = await this.sql.query<{ volunteerId: string }>('SELECT volunteer_id AS "volunteerId" FROM sos_alerts WHERE sos_id = $1', [sosId]);
    return rows.map((r) => r.volunteerId);
  }

  /** Offers made before (replayed from the outage journal), each keeping its id. */
  insert(tx: Tx, alerts: readonly NewAlert[]): Promise<AlertRow[]> {
    return this.write(tx, alerts, false);
  }

  /**
   * New offers, in the transaction holding the SOS's lock. Skips, in the same statement, whoever
   * is assigned to an SOS now or was offered this SOS before (in any round).
   */
  offer(tx: Tx, alerts: readonly NewAlert[]): Promise<AlertRow[]> {
    return this.write(tx, alerts, true);
  }

  private async write(tx: Tx, alerts: readonly NewAlert[], skipBusy: boolean): Promise<AlertRow[]> {
    if (alerts.length === 0) return [];
    const { rows } = await tx.query<AlertRow>(
      `INSERT INTO sos_alerts (id, sos_id, volunteer_id, round, step, distance_m, expires_at)
       SELECT COALESCE(a.id, gen_random_uuid()), a.sos_id, a.volunteer_id, a.round, a.step, a.distance, a.expires_at
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::float8[], $6::timestamptz[], $7::uuid[]) AS a(sos_id, volunteer_id, round, step, distance, expires_at, id)
        WHERE NOT $8::boolean OR NOT EXISTS (SELECT 1 FROM sos_requests b WHERE b.status IN ('ACCEPTED', 'ARRIVED') AND b.assigned_volunteer_id = a.volunteer_id)
       ON CONFLICT (sos_id, volunteer_id) DO NOTHING
       RETURNING ${ALERT_COLUMNS}`,
      [
        alerts.map((a) => a.sosId),
        alerts.map((a) => a.volunteerId),
        alerts.map((a) => a.round),
        alerts.map((a) => a.step),
        alerts.map((a) => a.distanceMeters),
        alerts.map((a) => a.expiresAt),
        alerts.map((a) => a.id ?? null),
        skipBusy,
      ],
    );
    return rows;
  }

  /**
   * An offer staff make to a volunteer they chose, in the transaction holding the SOS's lock. One
   * offered this SOS before (declined, expired) is offered it again: their offer starts afresh.
   */
  async offerAgain(tx: Tx, alert: NewAlert): Promise<AlertRow> {
    const { rows } = await tx.query<AlertRow>(
      `INSERT INTO sos_alerts (id, sos_id, volunteer_id, round, step, distance_m, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)
       ON CONFLICT (sos_id, volunteer_id) DO UPDATE
         SET status = 'OFFERED', round = EXCLUDED.round, step = EXCLUDED.step, distance_m = EXCLUDED.distance_m,
             expires_at = EXCLUDED.expires_at, created_at = now(), responded_at = NULL, seen_at = NULL
       RETURNING ${ALERT_COLUMNS}`,
      [alert.sosId, alert.volunteerId, alert.round, alert.step, alert.distanceMeters, alert.expiresAt],
    );
    return rows[0];
  }

  /** Closes the open offers of an SOS (all, or all but one volunteer's) with the given status. */
  async closeOpen(tx: Tx, sosId: string, status: 'EXPIRED' | 'WITHDRAWN', exceptVolunteerId: string | null = null): Promise<AlertRow[]> {
    const { rows } = await tx.query<AlertRow>(
      `UPDATE sos_alerts SET status = $2, responded_at = now()
        WHERE sos_id = $1 AND status = 'OFFERED' AND ($3::uuid IS NULL OR volunteer_id <> $3::uuid)
        RETURNING ${ALERT_COLUMNS}`,
      [sosId, status, exceptVolunteerId],
    );
    return rows;
  }

  /** Withdraws every open offer made to the volunteer, whichever SOS it is for. */
  async withdrawOf(tx: Tx, volunteerId: string): Promise<AlertRow[]> {
    const { rows } = await tx.query<AlertRow>(
      `UPDATE sos_alerts SET status = 'WITHDRAWN', responded_at = now() WHERE volunteer_id = $1 AND status = 'OFFERED' RETURNING ${ALERT_COLUMNS}`,
      [volunteerId],
    );
    return rows;
  }

  async lock(tx: Tx, sosId: string, volunteerId: string): Promise<AlertRow | null> {
    const { rows } = await tx.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM sos_alerts WHERE sos_id = $1 AND volunteer_id = $2 FOR UPDATE`, [sosId, volunteerId]);
    return rows[0] ?? null;
  }

  async setStatus(tx: Tx, id: string, status: AlertStatus): Promise<AlertRow> {
    const { rows } = await tx.query<AlertRow>(`UPDATE sos_alerts SET status = $2, responded_at = now() WHERE id = $1 RETURNING ${ALERT_COLUMNS}`, [id, status]);
    return rows[0];
  }

  /** The volunteer's app showed the alert; the first time counts. Null if it is not theirs. */
  async markSeen(id: string, volunteerId: string): Promise<AlertRow | null> {
    const { rows } = await this.sql.query<AlertRow>(
      `UPDATE sos_alerts SET seen_at = COALESCE(seen_at, now()) WHERE id = $1 AND volunteer_id = $2 RETURNING ${ALERT_COLUMNS}`,
      [id, volunteerId],
    );
    return rows[0] ?? null;
  }

  /** Still offered, not expired, and not yet seen by the volunteer. */
  async isUnattended(id: string): Promise<boolean> {
    const { rows } = await this.sql.query("SELECT 1 FROM sos_alerts WHERE id = $1 AND status = 'OFFERED' AND seen_at IS NULL AND expires_at > now()", [id]);
    return rows.length > 0;
  }

  async openOf(volunteerId: string): Promise<AlertRow[]> {
    const { rows } = await this.sql.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM sos_alerts WHERE volunteer_id = $1 AND status = 'OFFERED' AND expires_at > now() ORDER BY created_at`,
      [volunteerId],
    );
    return rows;
  }

  /** Every offer made for these SOS, oldest first. */
  async ofSos(sosIds: readonly string[]): Promise<AlertRow[]> {
    const { rows } = await this.sql.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM sos_alerts WHERE sos_id = ANY($1::uuid[]) ORDER BY created_at, id`, [sosIds]);
    return rows;
  }

  /** A volunteer's alerts made or answered (accepted, declined, expired, withdrawn) since `since`, oldest first. */
  async changedSince(volunteerId: string, since: Date): Promise<AlertRow[]> {
    const { rows } = await this.sql.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM sos_alerts WHERE volunteer_id = $1 AND (created_at > $2 OR responded_at > $2) ORDER BY created_at`,
      [volunteerId, since],
    );
    return rows;
  }

  /** Which (sos, volunteer) pairs have an alert, as "sosId:volunteerId" keys. */
  async pairs(pairs: readonly [string, string][]): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ key: string }>(
      `SELECT a.sos_id || ':' || a.volunteer_id AS key FROM sos_alerts a
         JOIN unnest($1::uuid[], $2::uuid[]) AS p(sos_id, volunteer_id) ON p.sos_id = a.sos_id AND p.volunteer_id = a.volunteer_id`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    return new Set(rows.map((r) => r.key));
  }

  async countsBySos(sosIds: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.sql.query<{ sosId: string; count: number }>(
      'SELECT sos_id AS "sosId", count(*)::int AS count FROM sos_alerts WHERE sos_id = ANY($1::uuid[]) GROUP BY sos_id',
      [sosIds],
    );
    return new Map(rows.map((r) => [r.sosId, r.count]));
  }

  /** What ranking needs to know of candidates besides their profiles, in one round trip: who is busy, and alerts since `since` (alert fatigue). */
  async candidateFacts(volunteerIds: readonly string[], since: Date): Promise<CandidateFacts> {
    const { rows } = await this.sql.query<{ volunteerId: string; busy: boolean; recent: number }>(
      `SELECT v.id AS "volunteerId",
              EXISTS (SELECT 1 FROM sos_requests b WHERE b.status IN ('ACCEPTED', 'ARRIVED') AND b.assigned_volunteer_id = v.id) AS busy,
              (SELECT count(*)::int FROM sos_alerts a WHERE a.volunteer_id = v.id AND a.created_at > $2) AS recent
         FROM unnest($1::uuid[]) AS v(id)`,
      [volunteerIds, since],
    );
    return { busy: new Set(rows.filter((r) => r.busy).map((r) => r.volunteerId)), recentAlerts: new Map(rows.map((r) => [r.volunteerId, r.recent])) };
  }
}
