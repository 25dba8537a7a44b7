import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../../generated/prisma/client';
import type { Logger } from '../logger';

export type Db = PrismaClient;
/** Raw SQL on the same pool as Prisma: for hot paths and PostGIS, where Prisma's per-query overhead (~4x) matters. */
export type Sql = Pool;

export interface DbOptions {
  url: string;
  poolSize: number;
}

export interface Database {
  db: Db;
  sql: Sql;
  close(): Promise<void>;
}

/**
 * One pg pool per server instance, shared by Prisma and raw SQL. Connection attempts give up
 * quickly so that a dead database turns into UNAVAILABLE answers, not hanging requests.
 */
export function createDatabase({ url, poolSize }: DbOptions, logger: Logger, onQuery?: () => void): Database {
  const sql = new Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    // PostGIS functions declare high costs, which pushes plain geo queries past jit_above_cost:
    // compiling them took 100+ ms where running them takes one. OLTP queries never gain from JIT.
    options: '-c jit=off',
  });
  // An idle connection dropped by the server (restart, failover) is reported here; unhandled, it would crash the process.
  sql.on('error', (err) => logger.warn({ err: { message: err.message } }, 'idle PostgreSQL connection lost'));
  if (onQuery) {
    // Counted for the db_queries_total metric (and the tests that hold DataLoaders to their word).
    const query = sql.query.bind(sql) as (...args: unknown[]) => unknown;
    (sql as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      onQuery();
      return query(...args);
    };
  }
  const db = new PrismaClient({ adapter: new PrismaPg(sql) });
  return {
    db,
    sql,
    async close() {
      await db.$disconnect();
      await sql.end().catch(() => undefined);
    },
  };
}
