import type { Queryable, Sql, Tx } from '../../platform/db';
import type { Role } from '../../platform/auth';

export interface UserRow {
  id: string;
  email: string;
  displayName: string;
  phone: string | null;
  phoneVerified: boolean;
  role: Role;
  /** An open review flag is about this person (the moderation module keeps it). */
  flaggedForReview: boolean;
  /** For staff: the cities they are assigned to (the cities module's `staff_cities`); empty: global. Null for everyone else. */
  staffCityIds: string[] | null;
  /** Suspended from suspendedAt until suspendedUntil (null: until reinstated); see `isSuspended`. */
  suspendedAt: Date | null;
  suspendedUntil: Date | null;
  suspensionReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The requester of every SOS whose person deleted their account (a row with no credential, made by a migration). */
export const DELETED_ACCOUNT_ID = '00000000-0000-0000-0000-000000000000';

/** Whether an admin's suspension holds now. */
export const isSuspended = (user: Pick<UserRow, 'suspendedAt' | 'suspendedUntil'>, now = Date.now()): boolean =>
  user.suspendedAt !== null && (user.suspendedUntil === null || user.suspendedUntil.getTime() > now);

export interface UserSearch {
  query?: string | null;
  /** Whether `query` may match emails too. */
  inEmail: boolean;
  role?: Role | null;
  flagged?: boolean | null;
  suspended?: boolean | null;
}

export interface NewUser {
  email: string;
  displayName: string;
  phone?: string | null;
  role: Role;
}

const USER_COLUMNS = `id, email, display_name AS "displayName", phone, phone_verified AS "phoneVerified", role,
  flagged_for_review AS "flaggedForReview",
  CASE WHEN role IN ('PROFESSIONAL', 'ADMIN') THEN ARRAY(SELECT sc.city_id FROM staff_cities sc WHERE sc.user_id = users.id) END AS "staffCityIds",
  suspended_at AS "suspendedAt", suspended_until AS "suspendedUntil", suspension_reason AS "suspensionReason",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * The only code that writes `users`: raw SQL, as the viewer lookup every authenticated request
 * makes costs a quarter of Prisma's CPU that way, and writes join transactions (Tx).
 */
export class UsersRepository {
  constructor(private readonly sql: Sql) {}

  async findByIds(ids: readonly string[], db: Queryable = this.sql): Promise<UserRow[]> {
    const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])`, [ids]);
    return rows;
  }

  async findByEmail(email: string): Promise<UserRow | null> {
    const { rows } = await this.sql.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [email]);
    return rows[0] ?? null;
  }

  async create(tx: Tx, user: NewUser): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(
      `INSERT INTO users (id, email, display_name, phone, role, updated_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, now()) RETURNING ${USER_COLUMNS}`,
      [user.email, user.displayName, user.phone ?? null, user.role],
    );
    return rows[0];
  }

  async update(tx: Tx, id: string, changes: { displayName: string; role: Role }): Promise<UserRow> {
    const { rows } = await tx.query<UserRow>(`UPDATE users SET display_name = $2, role = $3, updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`, [
      id,
      changes.displayName,
      changes.role,
    ]);
    return rows[0];
  }

  /** The account, locked for the rest of the transaction. */
  async lock(tx: Tx, id: string): Promise<UserRow | null> {
    const { rows } = await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  /** Every admin, locked: two admins demoting each other at once cannot leave none. */
  async lockAdmins(tx: Tx): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(`SELECT id FROM users WHERE role = 'ADMIN' ORDER BY id FOR UPDATE`);
    return rows.map((r) => r.id);
  }

  async suspend(tx: Tx, id: string, reason: string, until: Date | null): Promise<void> {
    await tx.query('UPDATE users SET suspended_at = now(), suspended_until = $2, suspension_reason = $3, updated_at = now() WHERE id = $1', [id, until, reason]);
  }

  async reinstate(tx: Tx, id: string): Promise<void> {
    await tx.query('UPDATE users SET suspended_at = NULL, suspended_until = NULL, suspension_reason = NULL, updated_at = now() WHERE id = $1', [id]);
  }

  /** Accounts suspended since `since` (and still suspended). */
  async suspendedSince(since: Date): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      'SELECT id FROM users WHERE suspended_at >= $1 AND (suspended_until IS NULL OR suspended_until > now())',
      [since],
    );
    return rows.map((r) => r.id);
  }

  /**
   * People matching every filter given, newest accounts first, after the cursor's (createdAt, id).
   * `query` matches the display name, and the email too when `inEmail` (admins only: a search
   * must not reveal emails to whom they are hidden).
   */
  async search(filter: UserSearch, limit: number, after: { createdAt: string; id: string } | null): Promise<UserRow[]> {
    const pattern = filter.query ? `%${filter.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await this.sql.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users
        WHERE id <> '${DELETED_ACCOUNT_ID}' AND ($1::text IS NULL OR display_name ILIKE $1 OR ($2 AND email ILIKE $1))
          AND ($3::"Role" IS NULL OR role = $3) AND ($4::boolean IS NULL OR flagged_for_review = $4)
          AND ($5::boolean IS NULL OR (suspended_at IS NOT NULL AND (suspended_until IS NULL OR suspended_until > now())) = $5)
          AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $8`,
      [pattern, filter.inEmail, filter.role ?? null, filter.flagged ?? null, filter.suspended ?? null, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows;
  }

  async setRole(tx: Tx, id: string, role: Role): Promise<void> {
    await tx.query('UPDATE users SET role = $2, updated_at = now() WHERE id = $1', [id, role]);
  }

  async setVerifiedPhone(tx: Tx, id: string, phone: string): Promise<void> {
    await tx.query('UPDATE users SET phone = $2, phone_verified = true, updated_at = now() WHERE id = $1', [id, phone]);
  }

  /** Accounts with a staff role (PROFESSIONAL, ADMIN). */
  async staffIds(tx: Tx): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(`SELECT id FROM users WHERE role IN ('PROFESSIONAL', 'ADMIN')`);
    return rows.map((r) => r.id);
  }

  /** The account goes; what hangs on it goes with it (foreign keys cascade), or loses its link to it (SET NULL). */
  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM users WHERE id = $1', [id]);
  }

  async setReviewFlag(tx: Tx, id: string, flagged: boolean): Promise<void> {
    await tx.query('UPDATE users SET flagged_for_review = $2, updated_at = now() WHERE id = $1', [id, flagged]);
  }
}
