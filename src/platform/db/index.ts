import { Prisma } from '../../generated/prisma/client';

export { createDatabase, createPool, type Database, type Db, type DbOptions, type Sql } from './prisma';
export { ReplicaReads } from './replica';
export { ensureDatabase, applyMigrations } from './migrations';
export { inTransaction, type Queryable, type Tx } from './transaction';
/** The database's enum types, which the modules' GraphQL enums mirror. */
export {
  AlertStatus,
  DevicePlatform,
  NotificationCategory,
  NotificationChannel,
  NotificationStatus,
  Role,
  SosCategory,
  SosEventType,
  SosStatus,
  Skill,
} from '../../generated/prisma/enums';

/**
 * True for a unique-constraint violation, from Prisma (P2002) or raw SQL (23505), optionally
 * on a given column or constraint.
 */
export function isUniqueViolation(err: unknown, column?: string): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) return err.code === 'P2002' && (!column || JSON.stringify(err.meta ?? {}).includes(column));
  const pg = err as { code?: string; constraint?: string; detail?: string };
  return pg?.code === '23505' && (!column || `${pg.constraint} ${pg.detail}`.includes(column));
}

/** True for a foreign-key violation (23503): the row it refers to is gone, optionally naming the constraint. */
export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  const pg = err as { code?: string; constraint?: string };
  return pg?.code === '23503' && (!constraint || pg.constraint === constraint);
}
