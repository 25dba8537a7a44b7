import type { Tx } from '../../platform/db';

export interface PendingVerification {
  phone: string;
  codeHash: string;
  expiresAt: Date;
  attempts: number;
}

/** The only code that touches `phone_verifications`: one pending code per person. */
export class PhoneVerificationsRepository {
  /** Starts a verification (replacing one pending): a new number or a new code restarts the tries. */
  async start(tx: Tx, userId: string, phone: string, codeHash: string, ttlSeconds: number): Promise<void> {
    await tx.query(
      `INSERT INTO phone_verifications (user_id, phone, code_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (user_id) DO UPDATE SET phone = EXCLUDED.phone, code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0, created_at = now()`,
      [userId, phone, codeHash, ttlSeconds],
    );
  }

  /** The pending verification, locked for the rest of the transaction. */
  async lock(tx: Tx, userId: string): Promise<PendingVerification | null> {
    const { rows } = await tx.query<PendingVerification>(
      'SELECT phone, code_hash AS "codeHash", expires_at AS "expiresAt", attempts FROM phone_verifications WHERE user_id = $1 FOR UPDATE',
      [userId],
    );
    return rows[0] ?? null;
  }

  async countAttempt(tx: Tx, userId: string): Promise<void> {
    await tx.query('UPDATE phone_verifications SET attempts = attempts + 1 WHERE user_id = $1', [userId]);
  }

  async remove(tx: Tx, userId: string): Promise<void> {
    await tx.query('DELETE FROM phone_verifications WHERE user_id = $1', [userId]);
  }
}
