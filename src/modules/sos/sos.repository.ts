import type { Queryable, ReplicaReads, Sql, Tx } from '../../platform/db';
import { finestCell, type Point } from '../../platform/geo';
import type { Skill } from '../volunteers';
import { OPEN_STATUSES, SosEventType, type SosCategory, type SosStatus } from './types/sos-enums';

export interface SosRow {
  id: string;
  requesterId: string;
  /** The city it was raised in (null: outside every active city). */
  cityId: string | null;
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
  /** Set while the SOS is in the outage journal, not yet in PostgreSQL (sos.outage-intake.ts). */
  queued?: { alertedVolunteerIds: string[] };
}

export interface SosEventRow {
  id: string;
  sosId: string;
  seq: number;
  type: SosEventType;
  message: string | null;
  at: Date;
}

export interface NewSos {
  /** Chosen by the API before it writes: a retry, or the outage journal's replay, writes the same id. */
  id: string;
  requesterId: string;
  idempotencyKey: string;
  category: SosCategory;
  description: string | null;
  location: Point & { accuracyMeters?: number | null };
  requiredSkills: Skill[];
  clientIp: string;
  flagReasons: string[];
  /** When it was raised, if before now (replayed from the outage journal). */
  createdAt?: Date;
  /** PENDING unless said otherwise (a replayed SOS that was a second open one is written CANCELLED). */
  status?: SosStatus;
}

const SOS_COLUMNS = `s.id, s.requester_id AS "requesterId", s.city_id AS "cityId", s.category, s.description,
  ST_Y(s.location::geometry) AS latitude, ST_X(s.location::geometry) AS longitude, s.status,
  s.search_radius_m AS "searchRadiusMeters", s.required_skills::text[] AS "requiredSkills",
  s.assigned_volunteer_id AS "assignedVolunteerId", s.matching_round AS "matchingRound", s.matching_step AS "matchingStep",
  s.next_step_at AS "nextStepAt", s.last_seq AS "lastSeq", s.flagged_for_review AS "flaggedForReview",
  s.created_at AS "createdAt", s.accepted_at AS "acceptedAt", s.arrived_at AS "arrivedAt", s.closed_at AS "closedAt"`;

const EVENT_COLUMNS = `id, sos_id AS "sosId", seq, type, message, at`;

export type SosChanges = Partial<{
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
  flaggedForReview: boolean;
  /** For response statistics, kept as they happen (no history to aggregate when asked): */
  /** offers a matching step made, added to the count; */
  offersMade: number;
  /** the first offer's time (kept once set); */
  firstAlertAt: Date;
  /** accepts, added to the count; */
  acceptsMade: number;
  /** the first escalation's time (kept once set). */
  escalatedAt: Date;
}>;

const set = (column: string) => (p: string) => `${column} = ${p}`;
const CHANGE_SETS: Record<keyof SosChanges, (param: string) => string> = {
  status: set('status'),
  searchRadiusMeters: set('search_radius_m'),
  assignedVolunteerId: set('assigned_volunteer_id'),
  matchingRound: set('matching_round'),
  matchingStep: set('matching_step'),
  nextStepAt: set('next_step_at'),
  acceptedAt: set('accepted_at'),
  arrivedAt: set('arrived_at'),
  closedAt: set('closed_at'),
  closeNote: set('close_note'),
  flaggedForReview: set('flagged_for_review'),
  offersMade: (p) => `alerts_offered = alerts_offered + ${p}`,
  firstAlertAt: (p) => `first_alert_at = COALESCE(first_alert_at, ${p})`,
  acceptsMade: (p) => `alerts_accepted = alerts_accepted + ${p}`,
  escalatedAt: (p) => `escalated_at = COALESCE(escalated_at, ${p})`,
};

/** `column = $n` (or what the change does) for each change, numbered from `first`, and their values. */
function assignments(changes: SosChanges, first: number): { sets: string[]; values: unknown[] } {
  const entries = Object.entries(changes) as [keyof SosChanges, unknown][];
  return { sets: entries.map(([key], i) => CHANGE_SETS[key](`$${i + first}`)), values: entries.map(([, v]) => v) };
}

/**
 * The CTEs `s` (the SOS, unless `guard` is false or its requester and key exist) and `created`
 * (its CREATED event, seq 1 as of its creation), over the parameters of `insertValues`.
 */
const insertSql = (guard: string) => `
  s AS (
    INSERT INTO sos_requests AS s (id, requester_id, idempotency_key, category, description, location, location_accuracy_m, required_skills,
                                   client_ip, flagged_for_review, flag_reasons, next_step_at, created_at, status, last_seq, h3_cell, city_id)
    SELECT $12, $1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326)::geography, $7, $8::"Skill"[], $9, $10, $11, now(), COALESCE($13, now()),
           COALESCE($14::"SosStatus", 'PENDING'), 1, $15,
           -- The active city containing it (the oldest, should boundaries overlap), read by the GiST index.
           (SELECT c.id FROM cities c WHERE c.active AND ST_Covers(c.boundary, ST_SetSRID(ST_MakePoint($5, $6), 4326)::geography) ORDER BY c.created_at LIMIT 1)
     WHERE ${guard}
    ON CONFLICT (requester_id, idempotency_key) DO NOTHING
    RETURNING ${SOS_COLUMNS}),
  created AS (
    INSERT INTO sos_events (id, sos_id, seq, type, at, city_id) SELECT gen_random_uuid(), id, 1, 'CREATED', "createdAt", "cityId" FROM s RETURNING id)`;

const insertValues = (sos: NewSos) => [
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
  sos.id,
  sos.createdAt ?? null,
  sos.status ?? null,
  finestCell(sos.location),
];

const written = (sos: SosRow, eventId: string) => ({
  sos,
  created: { id: eventId, sosId: sos.id, seq: 1, type: SosEventType.CREATED, message: null, at: sos.createdAt },
});

/** What a raise found and wrote (SosRepository.raise). */
export interface RaiseOutcome {
  retriedId: string | null;
  recent: { count: number; oldest: Date | null };
  written: { sos: SosRow; created: SosEventRow } | null;
}

/** A staff note on an SOS. */
export interface SosNoteRow {
  id: string;
  sosId: string;
  /** Null once the author's account is deleted. */
  authorId: string | null;
  text: string;
  at: Date;
}

/** A fix of the assigned volunteer on the way to an SOS. */
export interface RoutePointRow extends Point {
  sosId: string;
  volunteerId: string;
  at: Date;
  accuracyMeters: number | null;
}

/**
 * The code that touches `sos_requests`, `sos_events`, `sos_fake_reports`, `sos_route_points` and
 * `sos_notes` (with sos-personal-data.repository.ts for exports, retention and erasure): raw SQL,
 * because of PostGIS and of the row locks matching needs.
 */
export class SosRepository {
  constructor(
    private readonly sql: Sql,
    private readonly reads: ReplicaReads,
  ) {}

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

  async findOpenByRequester(requesterId: string, tx: Queryable = this.sql): Promise<SosRow | null> {
    const { rows } = await tx.query<SosRow>(`SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.requester_id = $1 AND s.status = ANY($2::"SosStatus"[])`, [
      requesterId,
      OPEN_STATUSES,
    ]);
    return rows[0] ?? null;
  }

  /**
   * A new SOS from a person's app, in one statement (one round trip; on its own, its own
   * transaction): checked against what the requester raised before, then written with its
   * CREATED event. `retriedId`: the SOS this requester raised with this key before (a retry).
   * `recent`: how many they raised since `limit.since`, and the oldest of those; at `limit.count`
   * nothing is written. `written` is null when either stopped it, or a concurrent retry with the
   * same key wrote first.
   */
  async raise(db: Queryable, sos: NewSos, limit: { since: Date; count: number }): Promise<RaiseOutcome> {
    const { rows } = await db.query<Partial<SosRow> & { retriedId: string | null; recentCount: number; recentOldest: Date | null; eventId: string | null }>(
      `WITH prior AS (
         SELECT (SELECT id FROM sos_requests WHERE requester_id = $1 AND idempotency_key = $2) AS "retriedId",
                count(*)::int AS "recentCount", min(created_at) AS "recentOldest"
           FROM sos_requests WHERE requester_id = $1 AND created_at > $16),
       ${insertSql('(SELECT "retriedId" IS NULL AND "recentCount" < $17 FROM prior)')}
       SELECT prior.*, s.*, created.id AS "eventId" FROM prior LEFT JOIN (s CROSS JOIN created) ON true`,
      [...insertValues(sos), limit.since, limit.count],
    );
    const { retriedId, recentCount, recentOldest, eventId, ...row } = rows[0];
    return { retriedId, recent: { count: recentCount, oldest: recentOldest }, written: eventId ? written(row as SosRow, eventId) : null };
  }

  /** Inserts the SOS and its CREATED event (seq 1, as of its creation) in one statement; null when the same requester and key already exist. */
  async insert(tx: Tx, sos: NewSos): Promise<{ sos: SosRow; created: SosEventRow } | null> {
    const { rows } = await tx.query<SosRow & { eventId: string }>(`WITH ${insertSql('true')} SELECT s.*, created.id AS "eventId" FROM s, created`, insertValues(sos));
    if (rows.length === 0) return null;
    const { eventId, ...row } = rows[0];
    return written(row, eventId);
  }

  /** Locks the SOS for the rest of the transaction: every change of an SOS goes through here. */
  async lock(tx: Tx, id: string): Promise<SosRow | null> {
    const { rows } = await tx.query<SosRow>(`SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  async update(tx: Tx, id: string, changes: SosChanges): Promise<void> {
    const { sets, values } = assignments(changes, 2);
    await tx.query(`UPDATE sos_requests SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, [id, ...values]);
  }

  /**
   * Appends to the timeline, with the SOS's next seq, in the caller's transaction (so it commits
   * with the change it describes); `at` is now unless the event happened earlier (replayed from
   * the outage journal). `changes` to the row are made in the same statement.
   */
  async appendEvent(tx: Tx, sosId: string, type: SosEventType, message: string | null, at: Date | null = null, changes: SosChanges = {}): Promise<SosEventRow> {
    const { sets, values } = assignments(changes, 5);
    const { rows } = await tx.query<SosEventRow>(
      `WITH next AS (UPDATE sos_requests SET ${[...sets, 'last_seq = last_seq + 1'].join(', ')}${sets.length ? ', updated_at = now()' : ''} WHERE id = $1 RETURNING last_seq, city_id)
       INSERT INTO sos_events (id, sos_id, seq, type, message, at, city_id) SELECT gen_random_uuid(), $1, last_seq, $2, $3, COALESCE($4, now()), city_id FROM next
       RETURNING ${EVENT_COLUMNS}`,
      [sosId, type, message, at, ...values],
    );
    return rows[0];
  }

  async eventsOf(sosIds: readonly string[]): Promise<SosEventRow[]> {
    const { rows } = await this.sql.query<SosEventRow>(`SELECT ${EVENT_COLUMNS} FROM sos_events WHERE sos_id = ANY($1::uuid[]) ORDER BY sos_id, seq`, [sosIds]);
    return rows;
  }

  async addNote(tx: Tx, sosId: string, authorId: string, text: string): Promise<SosNoteRow> {
    const { rows } = await tx.query<SosNoteRow>(
      `INSERT INTO sos_notes (sos_id, author_id, text) VALUES ($1, $2, $3) RETURNING id, sos_id AS "sosId", author_id AS "authorId", text, at`,
      [sosId, authorId, text],
    );
    return rows[0];
  }

  async notesOf(sosId: string): Promise<SosNoteRow[]> {
    const { rows } = await this.sql.query<SosNoteRow>(
      `SELECT id, sos_id AS "sosId", author_id AS "authorId", text, at FROM sos_notes WHERE sos_id = $1 ORDER BY at, id`,
      [sosId],
    );
    return rows;
  }

  async addRoutePoint(point: RoutePointRow): Promise<void> {
    await this.sql.query(
      `INSERT INTO sos_route_points (sos_id, volunteer_id, at, location, accuracy_m) VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326)::geography, $6)`,
      [point.sosId, point.volunteerId, point.at, point.longitude, point.latitude, point.accuracyMeters],
    );
  }

  /** The route of an SOS's assigned volunteers, in time order. */
  async routeOf(sosId: string): Promise<RoutePointRow[]> {
    const { rows } = await this.sql.query<RoutePointRow>(
      `SELECT sos_id AS "sosId", volunteer_id AS "volunteerId", at, ST_Y(location::geometry) AS latitude, ST_X(location::geometry) AS longitude,
              accuracy_m AS "accuracyMeters"
         FROM sos_route_points WHERE sos_id = $1 ORDER BY at, id`,
      [sosId],
    );
    return rows;
  }

  async eventsAfter(sosId: string, afterSeq: number): Promise<SosEventRow[]> {
    const { rows } = await this.sql.query<SosEventRow>(`SELECT ${EVENT_COLUMNS} FROM sos_events WHERE sos_id = $1 AND seq > $2 ORDER BY seq`, [sosId, afterSeq]);
    return rows;
  }

  /** The escalation events of SOS still escalated; of these cities only, when given. */
  async openEscalations(cityIds: readonly string[] | null): Promise<SosEventRow[]> {
    const { rows } = await this.sql.query<SosEventRow>(
      `SELECT e.id, e.sos_id AS "sosId", e.seq, e.type, e.message, e.at FROM sos_events e JOIN sos_requests s ON s.id = e.sos_id
        WHERE s.status = 'ESCALATED' AND e.type = 'ESCALATED' AND ($1::uuid[] IS NULL OR s.city_id = ANY($1::uuid[])) ORDER BY e.at`,
      [cityIds],
    );
    return rows;
  }

  /** A requester's SOS, newest first, after a (createdAt, id) cursor: a history page, from the replica when it has every write so far (the raise just made included). */
  async pageOfRequester(requesterId: string, limit: number, after: { createdAt: string; id: string } | null): Promise<SosRow[]> {
    const { rows } = await this.reads.read((db) => db.query<SosRow>(
      `SELECT ${SOS_COLUMNS} FROM sos_requests s
        WHERE s.requester_id = $1 AND ($2::timestamptz IS NULL OR (s.created_at, s.id) < ($2::timestamptz, $3::uuid))
        ORDER BY s.created_at DESC, s.id DESC LIMIT $4`,
      [requesterId, after?.createdAt ?? null, after?.id ?? null, limit],
    ));
    return rows;
  }

  /** Open SOS, escalated first; of these cities only, when given. */
  async findOpenForStaff(limit: number, cityIds: readonly string[] | null): Promise<SosRow[]> {
    const { rows } = await this.sql.query<SosRow>(
      `SELECT ${SOS_COLUMNS} FROM sos_requests s WHERE s.status = ANY($1::"SosStatus"[]) AND ($3::uuid[] IS NULL OR s.city_id = ANY($3::uuid[]))
        ORDER BY (s.status = 'ESCALATED') DESC, s.created_at LIMIT $2`,
      [OPEN_STATUSES, limit, cityIds],
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

  /** Which of these volunteers are assigned to an SOS in progress. */
  async busyVolunteers(tx: Queryable, volunteerIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT assigned_volunteer_id AS id FROM sos_requests WHERE status IN ('ACCEPTED', 'ARRIVED') AND assigned_volunteer_id = ANY($1::uuid[])`,
      [volunteerIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Records the requester's rating once; false when it was rated before. */
  async rate(tx: Tx, sosId: string, rating: number, comment: string | null): Promise<boolean> {
    const { rowCount } = await tx.query('UPDATE sos_requests SET rating = $2, rating_comment = $3, updated_at = now() WHERE id = $1 AND rating IS NULL', [sosId, rating, comment]);
    return rowCount === 1;
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

  /** The SOS the volunteer is on (accepted, or arrived), if any. */
  async assignmentOf(tx: Tx, volunteerId: string): Promise<string | null> {
    const { rows } = await tx.query<{ id: string }>(`SELECT id FROM sos_requests WHERE assigned_volunteer_id = $1 AND status IN ('ACCEPTED', 'ARRIVED')`, [volunteerId]);
    return rows[0]?.id ?? null;
  }

  /** Every SOS in progress with its volunteer (for the heartbeat check). */
  async activeAssignments(): Promise<{ sosId: string; volunteerId: string; acceptedAt: Date }[]> {
    const { rows } = await this.sql.query<{ sosId: string; volunteerId: string; acceptedAt: Date }>(
      `SELECT id AS "sosId", assigned_volunteer_id AS "volunteerId", accepted_at AS "acceptedAt" FROM sos_requests WHERE status IN ('ACCEPTED', 'ARRIVED')`,
    );
    return rows;
  }
}
