import type { Db, DbClient, RefreshTokenRow } from '../../platform/db';

export class AuthRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: (tx: DbClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  async passwordHashOf(userId: string): Promise<string | null> {
    const row = await this.db.credential.findUnique({ where: { userId }, select: { passwordHash: true } });
    return row?.passwordHash ?? null;
  }

  async setPasswordHash(userId: string, passwordHash: string, client: DbClient = this.db): Promise<void> {
    await client.credential.upsert({ where: { userId }, create: { userId, passwordHash }, update: { passwordHash } });
  }

  async addRefreshToken(token: { userId: string; familyId: string; tokenHash: string; expiresAt: Date }, client: DbClient = this.db): Promise<void> {
    await client.refreshToken.create({ data: token });
  }

  findRefreshToken(tokenHash: string, client: DbClient = this.db): Promise<RefreshTokenRow | null> {
    return client.refreshToken.findUnique({ where: { tokenHash } });
  }

  /** Serialises everything done to one sign-in's tokens: rotation and reuse detection cannot interleave. */
  async lockFamily(familyId: string, client: DbClient): Promise<void> {
    await client.$queryRaw`SELECT id FROM refresh_tokens WHERE family_id = ${familyId}::uuid FOR UPDATE`;
  }

  /**
   * Marks a token used if, and only if, nobody used or revoked it before: the conditional update
   * is what makes two concurrent refreshes with one token end with exactly one winner.
   */
  async markUsed(id: string, client: DbClient = this.db): Promise<boolean> {
    const { count } = await client.refreshToken.updateMany({ where: { id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } });
    return count === 1;
  }

  async revokeFamily(familyId: string, client: DbClient = this.db): Promise<number> {
    const { count } = await client.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
    return count;
  }
}
