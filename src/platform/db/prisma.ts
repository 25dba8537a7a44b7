import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../../generated/prisma/client';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import { guardWithCircuitBreaker } from './circuit';
import { PreparingClient } from './prepared-client';

export type Db = PrismaClient;
/** Raw SQL on the same pool as Prisma: for hot paths and PostGIS, where Prisma's per-query overhead (~4x) matters. */
export type Sql = Pool;

export interface DbOptions {
  url: string;
  poolSize: number;
  /** Longest a statement may run (server side) or go unanswered (client side, a partition). */
  statementTimeoutMs: number;
  /** Raw SQL as named prepared statements (prepared-client.ts). */
  preparedStatements: boolean;
  /** Reached through a pooler in transaction mode: no session settings at connection. */
  viaPooler: boolean;
}

export interface Database {
  db: Db;
  sql: Sql;
  close(): Promise<void>;
}

/**
 * One pg pool per server instance, shared by Prisma and raw SQL. Connection attempts, statements
 * and silent connections all give up within seconds, and a circuit breaker answers at once
 * while the database is down: a dead or stalled database turns into UNAVAILABLE answers, not
 * hanging requests.
 */
export function createDatabase(options: DbOptions, logger: Logger, registry: Registry, onQuery?: () => void): Database {
  const sql = createPool(options);
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
  guardWithCircuitBreaker(sql, registry, logger);
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

/** A pg pool whose connections, attempts and statements all give up within seconds. */
export function createPool({ url, poolSize, statementTimeoutMs, preparedStatements, viaPooler }: DbOptions): Pool {
  return new Pool({
    ...(preparedStatements ? { Client: PreparingClient } : {}),
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    // The client gives up on a statement left unanswered (a network partition or a stuck
    // failover never answers at all).
    query_timeout: statementTimeoutMs + 1000,
    // Behind a pooler a server connection serves many clients and PgBouncer refuses these at
    // startup: the database role carries them there instead.
    ...(viaPooler ? {} : sessionSettings(statementTimeoutMs)),
  });
}

/** What each connection sets for its session when it reaches PostgreSQL directly. */
function sessionSettings(statementTimeoutMs: number) {
  return {
    // PostgreSQL cancels a statement running longer, and a transaction left idle.
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    // PostGIS functions declare high costs, which pushes plain geo queries past jit_above_cost:
    // compiling them took 100+ ms where running them takes one. OLTP queries never gain from JIT.
    options: '-c jit=off',
  };
}
