import type { Sql } from '../../platform/db';
import type { PersonalData } from '../../platform/privacy';

/** What the auth tables hold of people: their sign-ins (never a token or a password hash), and expired ones' removal. */
export class AuthPersonalData implements PersonalData {
  constructor(private readonly sql: Sql) {}

  async exportOf(userId: string) {
    const { rows } = await this.sql.query(
      `SELECT created_at AS "signedInAt", expires_at AS "expiresAt", used_at AS "refreshedAt", revoked_at AS "revokedAt"
         FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
    return { sessions: rows };
  }

  /** Expired refresh tokens and password resets serve nothing: a reused expired token is refused as expired. */
  async purge(): Promise<Record<string, number>> {
    const tokens = await this.sql.query('DELETE FROM refresh_tokens WHERE expires_at < now()');
    const resets = await this.sql.query('DELETE FROM password_resets WHERE expires_at < now()');
    return { refreshTokens: tokens.rowCount ?? 0, passwordResets: resets.rowCount ?? 0 };
  }
}
