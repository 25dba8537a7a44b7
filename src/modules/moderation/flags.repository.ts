import type { Queryable, Sql, Tx } from '../../platform/db';
import { insideCitiesSql } from '../cities';
import type { FlagAction, FlagEventType, FlagKind, FlagState, FlagSubjectType } from './flag-kinds';

/** A concern one module noticed, for staff to review. */
export interface Concern {
  kind: FlagKind;
  subjectType: FlagSubjectType;
  subjectId: string;
  /** The person concerned (the user, the volunteer's account, the SOS's requester). */
  personId: string | null;
  /** What was noticed, by kind (see FlagKind); the latest raise's evidence stands on the flag. */
  evidence: Record<string, unknown>;
}

export interface FlagRow extends Concern {
  id: string;
  state: FlagState;
  raisedCount: number;
  openedAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  action: FlagAction | null;
  note: string | null;
}

export interface FlagEventRow {
  id: string;
  flagId: string;
  at: Date;
  type: FlagEventType;
  actorId: string | null;
  note: string | null;
  evidence: Record<string, unknown> | null;
}

export interface FlagFilter {
  state?: FlagState | null;
  kind?: FlagKind | null;
  subjectType?: FlagSubjectType | null;
  subjectId?: string | null;
  personId?: string | null;
}

const COLUMNS = `id, kind, subject_type AS "subjectType", subject_id AS "subjectId", person_id AS "personId", state, evidence,
  raised_count AS "raisedCount", opened_at AS "openedAt", updated_at AS "updatedAt", resolved_at AS "resolvedAt",
  resolved_by AS "resolvedBy", action, note`;

/**
 * SQL: whether the flag in `flags` is about something in the cities of the uuid[] parameter (true
 * when it is null): an SOS raised there, a volunteer whose last stored location is there, a
 * person who raised an SOS there.
 */
const inCities = (param: string) => `(${param}::uuid[] IS NULL
  OR (flags.subject_type = 'SOS' AND EXISTS (SELECT 1 FROM sos_requests s WHERE s.id = flags.subject_id AND s.city_id = ANY(${param}::uuid[])))
  OR (flags.subject_type = 'VOLUNTEER' AND EXISTS (SELECT 1 FROM volunteer_profiles v WHERE v.id = flags.subject_id AND ${insideCitiesSql('v.location', param)}))
  OR (flags.subject_type = 'USER' AND EXISTS (SELECT 1 FROM sos_requests s WHERE s.requester_id = flags.subject_id AND s.city_id = ANY(${param}::uuid[]))))`;

/** The only code that writes `flags` and `flag_events`. */
export class FlagsRepository {
  constructor(private readonly sql: Sql) {}

  /** Opens a flag, or adds the evidence to the open one of the same kind and subject; says which. */
  async raise(tx: Tx, concern: Concern): Promise<{ id: string; opened: boolean }> {
    const { rows } = await tx.query<{ id: string; opened: boolean }>(
      `INSERT INTO flags (kind, subject_type, subject_id, person_id, evidence) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (subject_id, kind) WHERE state = 'OPEN'
       DO UPDATE SET evidence = EXCLUDED.evidence, raised_count = flags.raised_count + 1, updated_at = now()
       RETURNING id, (xmax = 0) AS opened`,
      [concern.kind, concern.subjectType, concern.subjectId, concern.personId, JSON.stringify(concern.evidence)],
    );
    return rows[0];
  }

  async addEvent(tx: Tx, flagId: string, type: FlagEventType, actorId: string | null, note: string | null, evidence: Record<string, unknown> | null): Promise<void> {
    await tx.query(`INSERT INTO flag_events (flag_id, type, actor_id, note, evidence) VALUES ($1, $2, $3, $4, $5)`, [
      flagId,
      type,
      actorId,
      note,
      evidence && JSON.stringify(evidence),
    ]);
  }

  /** The flag, if it exists and is about something in these cities (null: any). */
  async lock(tx: Tx, id: string, cityIds: readonly string[] | null): Promise<FlagRow | null> {
    const { rows } = await tx.query<FlagRow>(`SELECT ${COLUMNS} FROM flags WHERE id = $1 AND ${inCities('$2')} FOR UPDATE`, [id, cityIds]);
    return rows[0] ?? null;
  }

  async find(id: string, cityIds: readonly string[] | null): Promise<FlagRow | null> {
    const { rows } = await this.sql.query<FlagRow>(`SELECT ${COLUMNS} FROM flags WHERE id = $1 AND ${inCities('$2')}`, [id, cityIds]);
    return rows[0] ?? null;
  }

  /** Closes an open flag; whether another flag about the same subject is still open. */
  async resolve(tx: Tx, flag: FlagRow, state: FlagState, action: FlagAction, staffId: string, note: string): Promise<{ subjectStillFlagged: boolean }> {
    const { rows } = await tx.query<{ open: boolean }>(
      `WITH closed AS (UPDATE flags SET state = $2, action = $3, resolved_by = $4, note = $5, resolved_at = now(), updated_at = now() WHERE id = $1)
       SELECT EXISTS (SELECT 1 FROM flags WHERE subject_id = $6 AND state = 'OPEN' AND id <> $1) AS open`,
      [flag.id, state, action, staffId, note, flag.subjectId],
    );
    return { subjectStillFlagged: rows[0].open };
  }

  /** Newest first, after the cursor's (openedAt, id); each filter is used only when given. */
  async page(filter: FlagFilter, limit: number, after: { openedAt: string; id: string } | null, cityIds: readonly string[] | null): Promise<FlagRow[]> {
    const { rows } = await this.sql.query<FlagRow>(
      `SELECT ${COLUMNS} FROM flags
        WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR subject_type = $3)
          AND ($4::uuid IS NULL OR subject_id = $4) AND ($5::uuid IS NULL OR person_id = $5)
          AND ($6::timestamptz IS NULL OR (opened_at, id) < ($6, $7::uuid)) AND ${inCities('$9')}
        ORDER BY opened_at DESC, id DESC LIMIT $8`,
      [filter.state ?? null, filter.kind ?? null, filter.subjectType ?? null, filter.subjectId ?? null, filter.personId ?? null, after?.openedAt ?? null, after?.id ?? null, limit, cityIds],
    );
    return rows;
  }

  /** The flags concerning a person, for their data export (not staff's notes). */
  async ofPerson(personId: string, db: Queryable): Promise<unknown[]> {
    const { rows } = await db.query(
      `SELECT kind, subject_type AS "subjectType", state, action, opened_at AS "openedAt", resolved_at AS "resolvedAt" FROM flags WHERE person_id = $1 ORDER BY opened_at`,
      [personId],
    );
    return rows;
  }

  async historyOf(flagIds: readonly string[]): Promise<FlagEventRow[]> {
    const { rows } = await this.sql.query<FlagEventRow>(
      `SELECT id::text, flag_id AS "flagId", at, type, actor_id AS "actorId", note, evidence FROM flag_events WHERE flag_id = ANY($1::uuid[]) ORDER BY flag_id, id`,
      [flagIds],
    );
    return rows;
  }
}
