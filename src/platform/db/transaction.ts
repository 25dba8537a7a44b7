import type { PoolClient } from 'pg';
import type { Sql } from './prisma';

/**
 * The one transaction type: a pooled connection inside BEGIN. Writes that must commit together
 * take it, whichever module's table they touch, so they are raw SQL (Prisma's interactive
 * transactions would hold a second connection of their own).
 */
export type Tx = PoolClient;

/** Runs `fn` in one transaction on one pooled connection: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(sql: Sql, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await sql.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Where a repository method runs its SQL: the pool, or the caller's transaction. */
export type Queryable = Sql | Tx;
