import type { Sql, Tx } from '../../platform/db';
import type { Point } from '../../platform/geo';
import type { Skill } from '../volunteers';
import { OPEN_STATUSES, type AlertStatus, type SosCategory, type SosEventType, type SosStatus } from './types/sos-enums';

export interface SosRow {
  id: string;
  requesterId: string;
  category: SosCategory;
  description: string | null;
  latitude: number;
  longitude: number;
  status: SosStatus;
  searchRadiusMeters: number;
  requiredSkills: Skill[];
  assignedVolunteerId: string | null;
  matchingRound: number;
  matchingStep: number;
  nextStepAt: Date | null;
  lastSeq: number;
  flaggedForReview: boolean;
  createdAt: Date;
  acceptedAt: Date | null;
  arrivedAt: Date | null;
  closedAt: Date | null;
}

export interface SosEventRow {
  id: string;
  sosId: string;
  seq: number;
  type: SosEventType;
  message: string | null;
  at: Date;
}

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
}

export interface NewSos {
  requesterId: string;
  idempotencyKey: string;
  category: SosCategory;
  description: string | null;
  location: Point & { accuracyMeters?: number | null };
  requiredSkills: Skill[];
  clientIp: string;
  flagReasons: string[];
}

const SOS_COLUMNS = `s.id, s.requester_id AS "requesterId", s.category, s.description,
  ST_Y(s.location::geometry) AS latitude, ST_X(s.location::geometry) AS longitude, s.status,
  s.search_radius_m AS "searchRadiusMeters", s.required_skills::text[] AS "requiredSkills",
  s.assigned_volunteer_id AS "assignedVolunteerId", s.matching_round AS "matchingRound", s.matching_step AS "matchingStep",
  s.next_step_at AS "nextStepAt", s.last_seq AS "lastSeq", s.flagged_for_review AS "flaggedForReview",
  s.created_at AS "createdAt", s.accepted_at AS "acceptedAt", s.arrived_at AS "arrivedAt", s.closed_at AS "closedAt"`;

const EVENT_COLUMNS = `id, sos_id AS "sosId", seq, type, message, at`;
const ALERT_COLUMNS = `id, sos_id AS "sosId", volunteer_id AS "volunteerId", round, step, distance_m AS "distanceMeters", status,
  expires_at AS "expiresAt", created_at AS "createdAt"`;

/** The only code that touches SOS tables: raw SQL, because of PostGIS and of the row locks matching needs. */
export class SosRepository {
  constructor(private readonly sql: Sql) {}

  async findByIds(ids: readonly string[]): Promise<SosRow[]> {
    const { rows } = await this.sql.query<SosRow>(`SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.id = ANY($1::uuid[])`, [ids]);
    return rows;
  }

  async findByKey(requesterId: string, idempotencyKey: string): Promise<SosRow | null> {
    const { rows } = await this.sql.query<SosRow>(`SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.requester_id = $1 AND s.idempotency_key = $2`, [
      requesterId,
      idempotencyKey,
    ]);
    return rows[0] ?? null;
  }

  async findOpenByRequester(requesterId: string): Promise<SosRow | null> {
    const { rows } = await this.sql.query<SosRow>(`SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.requester_id = $1 AND s.status = ANY($2::"SosStatus"[])`, [
      requesterId,
      OPEN_STATUSES,
    ]);
    return rows[0] ?? null;
  }

  /** SOS raised by a person since `since`, and when the oldest of them was raised. */
  async raisedSince(requesterId: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
    const { rows } = await this.sql.query<{ count: number; oldest: Date | null }>(
      'SELECT count(*)::int AS count, min(created_at) AS oldest FROM sos_requests WHERE requester_id = $1 AND created_at > $2',
      [requesterId, since],
    );
    return rows[0];
  }

  /** Inserts the SOS and its CREATED event (seq 1); null when the same requester and key already exist. */
  async insert(tx: Tx, sos: NewSos): Promise<string | null> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO sos_requests (id, requester_id, idempotency_key, category, description, location, location_accuracy_m, required_skills,
                                 client_ip, flagged_for_review, flag_reasons, next_step_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326)::geography, $7, $8::"Skill"[], $9, $10, $11, now())
       ON CONFLICT (requester_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [
        sos.requesterId,
        sos.idempotencyKey,
        sos.category,
        sos.description,
        sos.location.longitude,
        sos.location.latitude,
        sos.location.accuracyMeters ?? null,
        sos.requiredSkills,
        sos.clientIp,
        sos.flagReasons.length > 0,
        sos.flagReasons,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /** Locks the SOS for the rest of the transaction: every change of an SOS goes through here. */
  async lock(tx: Tx, id: string): Promise<SosRow | null> {
    const { rows } = await tx.query<SosRow>(`SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  async update(
    tx: Tx,
    id: string,
    changes: Partial<{
      status: SosStatus;
      searchRadiusMeters: number;
      assignedVolunteerId: string | null;
      matchingRound: number;
      matchingStep: number;
      nextStepAt: Date | null;
      acceptedAt: Date;
      arrivedAt: Date;
      closedAt: Date;
      closeNote: string | null;
    }>,
  ): Promise<void> {
    const columns: Record<string, string> = {
      status: 'status',
      searchRadiusMeters: 'search_radius_m',
      assignedVolunteerId: 'assigned_volunteer_id',
      matchingRound: 'matching_round',
      matchingStep: 'matching_step',
      nextStepAt: 'next_step_at',
      acceptedAt: 'accepted_at',
      arrivedAt: 'arrived_at',
      closedAt: 'closed_at',
      closeNote: 'close_note',
    };
    const entries = Object.entries(changes);
    const sets = entries.map(([key], i) => `${columns[key]} = $${i + 2}`);
    await tx.query(`UPDATE sos_requests SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, [id, ...entries.map(([, v]) => v)]);
  }

  /** Appends an event with the SOS's next seq, in the caller's transaction (so it commits with the change it describes). */
  async appendEvent(tx: Tx, sosId: string, type: SosEventType, message: string | null): Promise<SosEventRow> {
    const { rows } = await tx.query<SosEventRow>(
      `WITH next AS (UPDATE sos_requests SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
       INSERT INTO sos_events (id, sos_id, seq, type, message) SELECT gen_random_uuid(), $1, last_seq, $2, $3 FROM next
       RETURNING ${EVENT_COLUMNS}`,
      [sosId, type, message],
    );
    return rows[0];
  }

  async eventsOf(sosIds: readonly string[]): Promise<SosEventRow[]> {
    const { rows } = await this.sql.query<SosEventRow>(`SELECT ${EVENT_COLUMNS} FROM sos_events WHERE sos_id = ANY($1::uuid[]) ORDER BY sos_id, seq`, [sosIds]);
    return rows;
  }

  async eventsAfter(sosId: string, afterSeq: number): Promise<SosEventRow[]> {
    const { rows } = await this.sql.query<SosEventRow>(`SELECT ${EVENT_COLUMNS} FROM sos_events WHERE sos_id = $1 AND seq > $2 ORDER BY seq`, [sosId, afterSeq]);
    return rows;
  }

  /** The ESCALATED event of every SOS that is still escalated, oldest first. */
  async openEscalations(): Promise<SosEventRow[]> {
    const { rows } = await this.sql.query<SosEventRow>(
      `SELECT e.id, e.sos_id AS "sosId", e.seq, e.type, e.message, e.at FROM sos_events e JOIN sos_requests s ON s.id = e.sos_id
        WHERE s.status = 'ESCALATED' AND e.type = 'ESCALATED' ORDER BY e.at`,
    );
    return rows;
  }

  /** A requester's SOS, newest first, after a (createdAt, id) cursor. */
  async pageOfRequester(requesterId: string, limit: number, after: { createdAt: string; id: string } | null): Promise<SosRow[]> {
    const { rows } = await this.sql.query<SosRow>(
      `SELECT ${SOS_COLUMNS} FROM sos_requests s
        WHERE s.requester_id = $1 AND ($2::timestamptz IS NULL OR (s.created_at, s.id) < ($2::timestamptz, $3::uuid))
        ORDER BY s.created_at DESC, s.id DESC LIMIT $4`,
      [requesterId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows;
  }

  async findOpenForStaff(limit: number): Promise<SosRow[]> {
    const { rows } = await this.sql.query<SosRow>(
      `SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.status = ANY($1::"SosStatus"[])
        ORDER BY (s.status = 'ESCALATED') DESC, s.created_at LIMIT $2`,
      [OPEN_STATUSES, limit],
    );
    return rows;
  }

  /** SOS whose next matching step is overdue by more than `graceMs` (their job was lost). */
  async overdue(graceMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT id FROM sos_requests WHERE status IN ('PENDING', 'MATCHING') AND next_step_at < now() - make_interval(secs => $1) ORDER BY next_step_at LIMIT $2`,
      [graceMs / 1000, limit],
    );
    return rows.map((r) => r.id);
  }

  // --- alerts -----------------------------------------------------------------------------

  async alertedVolunteerIdsOf(sosId: string): Promise<string[]> {
    return this.alertedVolunteerIds(this.sql, sosId);
  }

  async alertedVolunteerIds(tx: Tx | Sql, sosId: string): Promise<string[]> {
    const { rows } = await tx.query<{ volunteerId: string }>('SELECT volunteer_id AS "volunteerId" FROM sos_alerts WHERE sos_id = $1', [sosId]);
    return rows.map((r) => r.volunteerId);
  }

  async insertAlerts(tx: Tx, alerts: { sosId: string; volunteerId: string; round: number; step: number; distanceMeters: number; expiresAt: Date }[]): Promise<AlertRow[]> {
    if (alerts.length === 0) return [];
    const { rows } = await tx.query<AlertRow>(
      `INSERT INTO sos_alerts (id, sos_id, volunteer_id, round, step, distance_m, expires_at)
       SELECT gen_random_uuid(), a.sos_id, a.volunteer_id, a.round, a.step, a.distance, a.expires_at
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::float8[], $6::timestamptz[]) AS a(sos_id, volunteer_id, round, step, distance, expires_at)
       ON CONFLICT (sos_id, volunteer_id) DO NOTHING
       RETURNING ${ALERT_COLUMNS}`,
      [
        alerts.map((a) => a.sosId),
        alerts.map((a) => a.volunteerId),
        alerts.map((a) => a.round),
        alerts.map((a) => a.step),
        alerts.map((a) => a.distanceMeters),
        alerts.map((a) => a.expiresAt),
      ],
    );
    return rows;
  }

  /** Closes the open offers of an SOS (all, or all but one volunteer's) with the given status. */
  async closeOpenAlerts(tx: Tx, sosId: string, status: 'EXPIRED' | 'WITHDRAWN', exceptVolunteerId: string | null = null): Promise<AlertRow[]> {
    const { rows } = await tx.query<AlertRow>(
      `UPDATE sos_alerts SET status = $2, responded_at = now()
        WHERE sos_id = $1 AND status = 'OFFERED' AND ($3::uuid IS NULL OR volunteer_id <> $3::uuid)
        RETURNING ${ALERT_COLUMNS}`,
      [sosId, status, exceptVolunteerId],
    );
    if (status === 'EXPIRED' && rows.length > 0) {
      await tx.query('UPDATE volunteer_profiles SET expired_alert_count = expired_alert_count + 1 WHERE id = ANY($1::uuid[])', [rows.map((r) => r.volunteerId)]);
    }
    return rows;
  }

  async lockAlert(tx: Tx, sosId: string, volunteerId: string): Promise<AlertRow | null> {
    const { rows } = await tx.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM sos_alerts WHERE sos_id = $1 AND volunteer_id = $2 FOR UPDATE`, [sosId, volunteerId]);
    return rows[0] ?? null;
  }

  async setAlertStatus(tx: Tx, id: string, status: AlertStatus): Promise<AlertRow> {
    const { rows } = await tx.query<AlertRow>(`UPDATE sos_alerts SET status = $2, responded_at = now() WHERE id = $1 RETURNING ${ALERT_COLUMNS}`, [id, status]);
    return rows[0];
  }

  async openAlertsOf(volunteerId: string): Promise<AlertRow[]> {
    const { rows } = await this.sql.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM sos_alerts WHERE volunteer_id = $1 AND status = 'OFFERED' AND expires_at > now() ORDER BY created_at`,
      [volunteerId],
    );
    return rows;
  }

  /** Which (sos, volunteer) pairs have an alert, as "sosId:volunteerId" keys. */
  async alertPairs(pairs: readonly [string, string][]): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ key: string }>(
      `SELECT a.sos_id || ':' || a.volunteer_id AS key FROM sos_alerts a
         JOIN unnest($1::uuid[], $2::uuid[]) AS p(sos_id, volunteer_id) ON p.sos_id = a.sos_id AND p.volunteer_id = a.volunteer_id`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    return new Set(rows.map((r) => r.key));
  }

  async alertCounts(sosIds: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.sql.query<{ sosId: string; count: number }>(
      'SELECT sos_id AS "sosId", count(*)::int AS count FROM sos_alerts WHERE sos_id = ANY($1::uuid[]) GROUP BY sos_id',
      [sosIds],
    );
    return new Map(rows.map((r) => [r.sosId, r.count]));
  }

  /** Alerts each volunteer received since `since` (alert fatigue). */
  async recentAlertCounts(tx: Tx | Sql, volunteerIds: readonly string[], since: Date): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ volunteerId: string; count: number }>(
      `SELECT volunteer_id AS "volunteerId", count(*)::int AS count FROM sos_alerts
        WHERE volunteer_id = ANY($1::uuid[]) AND created_at > $2 GROUP BY volunteer_id`,
      [volunteerIds, since],
    );
    return new Map(rows.map((r) => [r.volunteerId, r.count]));
  }

  /** Which of these volunteers are assigned to an SOS in progress. */
  async busyVolunteers(tx: Tx | Sql, volunteerIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT assigned_volunteer_id AS id FROM sos_requests WHERE status IN ('ACCEPTED', 'ARRIVED') AND assigned_volunteer_id = ANY($1::uuid[])`,
      [volunteerIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Which of these volunteers are on the way to (or with) this person now. */
  async helping(requesterId: string, volunteerIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT assigned_volunteer_id AS id FROM sos_requests WHERE requester_id = $1 AND assigned_volunteer_id = ANY($2::uuid[]) AND status IN ('ACCEPTED', 'ARRIVED')`,
      [requesterId, volunteerIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The SOS a volunteer is working on now (ACCEPTED or ARRIVED), if any. */
  async activeAssignmentOf(volunteerId: string): Promise<string | null> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT id FROM sos_requests WHERE assigned_volunteer_id = $1 AND status IN ('ACCEPTED', 'ARRIVED') LIMIT 1`,
      [volunteerId],
    );
    return rows[0]?.id ?? null;
  }

  /** Counts a finished SOS for the volunteer who saw it through. */
  async countCompleted(tx: Tx, volunteerId: string): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET completed_count = completed_count + 1 WHERE id = $1', [volunteerId]);
  }

  /** Records the requester's rating once; false when it was rated before. */
  async rate(tx: Tx, sosId: string, volunteerId: string, rating: number, comment: string | null): Promise<boolean> {
    const { rowCount } = await tx.query('UPDATE sos_requests SET rating = $2, rating_comment = $3, updated_at = now() WHERE id = $1 AND rating IS NULL', [sosId, rating, comment]);
    if (!rowCount) return false;
    await tx.query('UPDATE volunteer_profiles SET rating_sum = rating_sum + $2, rating_count = rating_count + 1 WHERE id = $1', [volunteerId, rating]);
    return true;
  }

  /** Records a volunteer's fake report (once per SOS) and says how many different volunteers reported this requester's SOS. */
  async reportFake(tx: Tx, sosId: string, volunteerId: string, reason: string | null, requesterId: string): Promise<number> {
    await tx.query('INSERT INTO sos_fake_reports (sos_id, volunteer_id, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [sosId, volunteerId, reason]);
    const { rows } = await tx.query<{ reporters: number }>(
      `SELECT count(DISTINCT r.volunteer_id)::int AS reporters FROM sos_fake_reports r JOIN sos_requests s ON s.id = r.sos_id WHERE s.requester_id = $1`,
      [requesterId],
    );
    return rows[0].reporters;
  }

  /** How many SOS a person raised, and how many of those they cancelled. */
  async cancellationRecord(tx: Tx, requesterId: string): Promise<{ total: number; cancelled: number }> {
    const { rows } = await tx.query<{ total: number; cancelled: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled FROM sos_requests WHERE requester_id = $1`,
      [requesterId],
    );
    return rows[0];
  }

  /** Flags a person for admin review (once per reason). */
  async flagUser(tx: Tx, userId: string, reason: string): Promise<void> {
    await tx.query(
      `UPDATE users SET flagged_for_review = true, flag_reasons = array_append(flag_reasons, $2), updated_at = now() WHERE id = $1 AND NOT ($2 = ANY(flag_reasons))`,
      [userId, reason],
    );
  }

  /** Every SOS in progress with its volunteer (for the heartbeat check). */
  async activeAssignments(): Promise<{ sosId: string; volunteerId: string; acceptedAt: Date }[]> {
    const { rows } = await this.sql.query<{ sosId: string; volunteerId: string; acceptedAt: Date }>(
      `SELECT id AS "sosId", assigned_volunteer_id AS "volunteerId", accepted_at AS "acceptedAt" FROM sos_requests WHERE status IN ('ACCEPTED', 'ARRIVED')`,
    );
    return rows;
  }

  /** Records a volunteer dropped for silence; returns how many drops they had in the last 30 days. */
  async recordDisconnection(tx: Tx, volunteerId: string, sosId: string): Promise<number> {
    await tx.query('INSERT INTO volunteer_disconnections (volunteer_id, sos_id) VALUES ($1, $2)', [volunteerId, sosId]);
    await tx.query('UPDATE volunteer_profiles SET disconnection_count = disconnection_count + 1 WHERE id = $1', [volunteerId]);
    const { rows } = await tx.query<{ drops: number }>(
      `SELECT count(*)::int AS drops FROM volunteer_disconnections WHERE volunteer_id = $1 AND at > now() - interval '30 days'`,
      [volunteerId],
    );
    return rows[0].drops;
  }

  async flagVolunteer(tx: Tx, volunteerId: string): Promise<void> {
    await tx.query('UPDATE volunteer_profiles SET flagged_for_review = true WHERE id = $1', [volunteerId]);
  }

  /** A participant who lost their place in an SOS (a dropped volunteer) loses its conversation too. */
  async leaveConversation(tx: Tx, sosId: string, userId: string): Promise<void> {
    await tx.query(
      `UPDATE conversation_participants p SET left_at = now() FROM conversations c WHERE c.id = p.conversation_id AND c.sos_id = $1 AND p.user_id = $2 AND p.left_at IS NULL`,
      [sosId, userId],
    );
  }

  async createConversation(tx: Tx, sosId: string, userIds: string[]): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO conversations (id, sos_id) VALUES (gen_random_uuid(), $1)
       ON CONFLICT (sos_id) DO UPDATE SET sos_id = EXCLUDED.sos_id RETURNING id`,
      [sosId],
    );
    await tx.query(
      `INSERT INTO conversation_participants (conversation_id, user_id) SELECT $1, unnest($2::uuid[])
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET left_at = NULL`,
      [rows[0].id, userIds],
    );
    return rows[0].id;
  }
}
