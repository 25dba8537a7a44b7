import { Registry } from 'prom-client';
import type { Config } from '../config';
import { createDatabase, createPool, ReplicaReads, type Db, type Sql } from '../platform/db';
import type { Logger } from '../platform/logger';
import { PubSub } from '../platform/pubsub';
import { closeRedis, createRedis, redisTarget, waitUntilReady, type Redis } from '../platform/redis';

export interface Infrastructure {
  config: Config;
  db: Db;
  sql: Sql;
  /** Where heavy reads run: the replica when it is up to date, else `sql`. */
  reads: ReplicaReads;
  redis: Redis;
  logger: Logger;
  /** Where modules register their Prometheus metrics. */
  registry: Registry;
  pubsub: PubSub;
  /** Closes Redis, pub/sub and PostgreSQL (after the modules have stopped their work). */
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  logger: Logger;
  registry?: Registry;
  /** Connections in the PostgreSQL pool (default DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** Counts every statement on the pool (the db_queries_total metric). */
  onQuery?: () => void;
  /**
   * How long to wait for Redis before going on without it (the server starts degraded: the
   * database is the record of truth). Without it, Redis connects only when first used, so
   * account scripts work while Redis is down.
   */
  redisWaitMs?: number;
}

/** The services one process uses: the server, the operator scripts and the benches build them here alike. */
export async function createInfrastructure(config: Config, options: InfrastructureOptions): Promise<Infrastructure> {
  const { logger } = options;
  const registry = options.registry ?? new Registry();
  const database = createDatabase(
    {
      url: config.DATABASE_URL,
      poolSize: options.poolSize ?? config.DATABASE_POOL_SIZE,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
      viaPooler: config.DATABASE_VIA_POOLER,
    },
    logger,
    registry,
    options.onQuery,
  );
  const replica = config.DATABASE_REPLICA_URL
    ? createPool({ url: config.DATABASE_REPLICA_URL, poolSize: Math.max(2, Math.ceil(config.DATABASE_POOL_SIZE / 2)), statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS, preparedStatements: config.DATABASE_PREPARED_STATEMENTS, viaPooler: config.DATABASE_VIA_POOLER })
    : null;
  replica?.on('error', (err) => logger.warn({ err: { message: err.message } }, 'idle replica connection lost'));
  const reads = new ReplicaReads(database.sql, replica, config.DATABASE_REPLICA_MAX_WAIT_MS, registry, logger);
  const lazy = options.redisWaitMs === undefined;
  const redis = createRedis(redisTarget(config), config.REDIS_KEY_PREFIX, logger, lazy ? { lazyConnect: true } : {});
  if (!lazy && !(await waitUntilReady(redis, options.redisWaitMs!))) logger.warn('redis not reachable at start; continuing degraded');
  const pubsub = new PubSub(redisTarget(config), config.REDIS_KEY_PREFIX, logger);
  return {
    config,
    db: database.db,
    sql: database.sql,
    reads,
    redis,
    logger,
    registry,
    pubsub,
    close: async () => {
      await Promise.allSettled([closeRedis(redis), pubsub.close(), database.close(), reads.close()]);
    },
  };
}
