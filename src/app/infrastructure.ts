import { Registry } from 'prom-client';
import type { Config } from '../config';
import { createDatabase, type Db, type Sql } from '../platform/db';
import type { Logger } from '../platform/logger';
import { PubSub } from '../platform/pubsub';
import { closeRedis, createRedis, waitUntilReady, type Redis } from '../platform/redis';

export interface Infrastructure {
  config: Config;
  db: Db;
  sql: Sql;
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
  const lazy = options.redisWaitMs === undefined;
  const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger, lazy ? { lazyConnect: true } : {});
  if (!lazy && !(await waitUntilReady(redis, options.redisWaitMs!))) logger.warn('redis not reachable at start; continuing degraded');
  const pubsub = new PubSub(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger);
  return {
    config,
    db: database.db,
    sql: database.sql,
    redis,
    logger,
    registry,
    pubsub,
    close: async () => {
      await Promise.allSettled([closeRedis(redis), pubsub.close(), database.close()]);
    },
  };
}
