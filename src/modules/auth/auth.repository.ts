import type { Db, Queryable, Sql, Tx } from '../../platform/db';

export interface RefreshTokenRow {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const TOKEN_COLUMNS = `id, user_id AS "userId", family_id AS "familyId", token_hash AS "tokenHash", expires_at AS "expiresAt",
  used_at AS "usedAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;

/** The only code that touches `credentials`, `refresh_tokens` and `password_resets`. Raw SQL where it joins a transaction (Tx). */
export class AuthRepository {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
  ) {}

  async passwordHashOf(userId: string): Promise<string | null> {
    const row = await this.db.credential.findUnique({ where: { userId }, select: { passwordHash: true } });
    return row?.passwordHash ?? null;
  }

  async setPasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
    await tx.query(
      `INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now()`,
      [userId, passwordHash],
    );
  }

  async addRefreshToken(token: { userId: string; familyId: string; tokenHash: string; expiresAt: Date }, client: Queryable = this.sql): Promise<void> {
    await client.query('INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, $4)', [
      token.userId,
      token.familyId,
      token.tokenHash,
      token.expiresAt,
    ]);
  }

  async findRefreshToken(tokenHash: string, client: Queryable = this.sql): Promise<RefreshTokenRow | null> {
    const { rows } = await client.query<RefreshTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM refresh_tokens WHERE token_hash = $1`, [tokenHash]);
    return rows[0] ?? null;
  }

  /** Serialises everything done to one sign-in's tokens: rotation and reuse detection cannot interleave. */
  async lockFamily(tx: Tx, familyId: string): Promise<void> {
    await tx.query('SELECT id FROM refresh_tokens WHERE family_id = $1 FOR UPDATE', [familyId]);
  }

  /**
   * Marks a token used if, and only if, nobody used or revoked it before: the conditional update
   * is what makes two concurrent refreshes with one token end with exactly one winner.
   */
  async markUsed(tx: Tx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('UPDATE refresh_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL', [id]);
    return rowCount === 1;
  }

  async revokeFamily(familyId: string, client: Queryable = this.sql): Promise<number> {
    const { rowCount } = await client.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
    return rowCount ?? 0;
  }

  async addPasswordReset(tx: Tx, userId: string, tokenHash: string, ttlSeconds: number): Promise<void> {
    await tx.query('INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))', [tokenHash, userId, ttlSeconds]);
  }

  /** Uses up a reset token that is unused and unexpired; its user, or null. */
  async consumePasswordReset(tx: Tx, tokenHash: string): Promise<string | null> {
    const { rows } = await tx.query<{ userId: string }>(
      'UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id AS "userId"',
      [tokenHash],
    );
    return rows[0]?.userId ?? null;
  }

  /** Signs the person out everywhere (a new password must lock out whoever knew the old one). */
  async revokeAllSessions(tx: Tx, userId: string): Promise<number> {
    const { rowCount } = await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
    return rowCount ?? 0;
  }
}
