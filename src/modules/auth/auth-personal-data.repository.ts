import type { Queryable, Sql } from '../../platform/db';
import { inBatches, type PersonalData } from '../../platform/privacy';

/** What the auth tables hold of people: their sign-ins (never a token or a password hash), and expired ones' removal. */
export class AuthPersonalData implements PersonalData {
  constructor(private readonly sql: Sql) {}

  async exportOf(userId: string, db: Queryable) {
    const { rows } = await db.query(
      `SELECT created_at AS "signedInAt", expires_at AS "expiresAt", used_at AS "refreshedAt", revoked_at AS "revokedAt"
         FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
    return { sessions: rows };
  }

  /** Expired refresh tokens and password resets serve nothing: a reused expired token is refused as expired. */
  async purge(): Promise<Record<string, number>> {
    const deleted = (text: string) => inBatches(async (limit) => (await this.sql.query(text, [limit])).rowCount ?? 0);
    return {
      refreshTokens: await deleted('DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM refresh_tokens WHERE expires_at < now() LIMIT $1)'),
      passwordResets: await deleted('DELETE FROM password_resets WHERE token_hash IN (SELECT token_hash FROM password_resets WHERE expires_at < now() LIMIT $1)'),
    };
  }
}
