import type { Queryable, Sql } from '../../platform/db';
import { inBatches } from '../../platform/privacy';
import type { AuditKind, AuditSubjectType } from './audit-kinds';

export interface NewAuditEntry {
  /** Who did it; null for what the system noticed on its own (a reused refresh token). */
  actorId: string | null;
  kind: AuditKind;
  subjectType: AuditSubjectType;
  subjectId: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRow extends Required<NewAuditEntry> {
  id: string;
  at: Date;
}

export interface AuditFilter {
  actorId?: string | null;
  subjectId?: string | null;
  kind?: AuditKind | null;
  from?: Date | null;
  to?: Date | null;
}

const COLUMNS = `id, at, actor_id AS "actorId", kind, subject_type AS "subjectType", subject_id AS "subjectId", details`;

/** The only code that touches `audit_events`: it inserts and reads, and the table refuses anything else. */
export class AuditRepository {
  constructor(private readonly sql: Sql) {}

  /** In the caller's transaction, or on its own. */
  async insert(entry: NewAuditEntry, client: Queryable = this.sql): Promise<void> {
    await client.query(`INSERT INTO audit_events (actor_id, kind, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5)`, [
      entry.actorId,
      entry.kind,
      entry.subjectType,
      entry.subjectId,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  /**
   * Removes client IP addresses from entries older than `before` (retention): the one change the
   * table's trigger lets through. Sign-in lockouts are the entries that carry one.
   */
  redactClientIps(before: Date): Promise<number> {
    return inBatches(async (limit) => {
      const { rowCount } = await this.sql.query(
        `UPDATE audit_events SET details = details - 'clientIp'
          WHERE id IN (SELECT id FROM audit_events WHERE kind = 'LOGIN_LOCKED_OUT' AND at < $1 AND details ? 'clientIp' LIMIT $2)`,
        [before, limit],
      );
      return rowCount ?? 0;
    });
  }

  /** Newest first, after the cursor's (at, id); each filter is used only when given. */
  async page(filter: AuditFilter, limit: number, after: { at: string; id: string } | null): Promise<AuditRow[]> {
    const { rows } = await this.sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_events
        WHERE ($1::uuid IS NULL OR actor_id = $1) AND ($2::uuid IS NULL OR subject_id = $2) AND ($3::text IS NULL OR kind = $3)
          AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
          AND ($6::timestamptz IS NULL OR (at, id) < ($6, $7::uuid))
        ORDER BY at DESC, id DESC LIMIT $8`,
      [filter.actorId ?? null, filter.subjectId ?? null, filter.kind ?? null, filter.from ?? null, filter.to ?? null, after?.at ?? null, after?.id ?? null, limit],
    );
    return rows;
  }
}
