import type { PoolClient } from 'pg';
import type { Sql } from './prisma';

/**
 * The one transaction type: a pooled connection inside BEGIN. Writes that must commit together
 * take it, whichever module's table they touch, so they are raw SQL (Prisma's interactive
 * transactions would hold a second connection of their own).
 */
export type Tx = PoolClient;

/**
 * Runs `fn` in one transaction on one pooled connection: committed if it returns, rolled back if
 * it throws. A connection whose rollback did not go through (a statement timed out and may still
 * be running, the link is gone) is destroyed, never handed back to the pool still inside BEGIN,
 * where the next user would commit this half-done work.
 */
export async function inTransaction<T>(sql: Sql, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await sql.connect();
  let broken = false;
  // The link may die between two statements (a cut network): the pool hears of it only for idle
  // connections, and an unheard 'error' would crash the process. The next statement fails instead.
  const lost = () => {
    broken = true;
  };
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    // COMMIT of a transaction a statement aborted answers ROLLBACK: that is a failure, not a success.
    if ((await client.query('COMMIT')).command === 'ROLLBACK') throw new Error('the transaction was rolled back by the database');
    return result;
  } catch (err) {
    broken = !(await client.query('ROLLBACK').then(
      () => true,
      () => false,
    ));
    throw err;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}

/** Where a repository method runs its SQL: the pool, or the caller's transaction. */
export type Queryable = Sql | Tx;
