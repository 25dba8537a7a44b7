import { Prisma } from '../../generated/prisma/client';

export { createDatabase, type Database, type Db, type DbClient, type DbOptions, type Sql } from './prisma';
export { Prisma };
export type { User as UserRow, RefreshToken as RefreshTokenRow, Role as RoleName } from '../../generated/prisma/client';

/** True for a unique-constraint violation (Prisma P2002), optionally on a given column. */
export function isUniqueViolation(err: unknown, column?: string): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== 'P2002') return false;
  if (!column) return true;
  return JSON.stringify(err.meta ?? {}).includes(column);
}
export { ensureDatabase, applyMigrations } from './migrations';
export { inTransaction, type Tx } from './transaction';
