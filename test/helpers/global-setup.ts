import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { applyMigrations } from '../../src/platform/db';
import { SERVER_URL, TEST_DB_PREFIX, databaseUrl, templateDb, withAdmin } from './databases';
import { PgBouncer } from './pgbouncer';
import { RedisCluster } from './redis-cluster';

/** Databases of runs started longer ago than this are leftovers of runs that crashed. */
const STALE_AFTER_SECONDS = 3 * 3600;

/**
 * Once per `jest` run: names the run (workers inherit CC_TEST_RUN), makes its template database
 * with every migration applied (each test file then copies it in milliseconds), and removes the
 * leftovers of crashed runs, never the databases of a run still going.
 */
export default async function globalSetup(): Promise<void> {
  const startedAt = Math.floor(Date.now() / 1000);
  process.env.CC_TEST_RUN = `${startedAt}${randomBytes(2).toString('hex')}`;
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEST_DB_PREFIX}%`]);
    for (const { datname } of rows) {
      const runStarted = Number(/^careconnect_test_(\d{10})[0-9a-f]{4}_/.exec(datname)?.[1] ?? 0);
      if (startedAt - runStarted > STALE_AFTER_SECONDS) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${templateDb()}"`);
  });
  await applyMigrations(databaseUrl(templateDb()), join(__dirname, '..', '..', 'prisma', 'migrations'));
  if (process.env.TEST_VIA_PGBOUNCER === '1') {
    // The whole suite's servers reach PostgreSQL through one PgBouncer in transaction mode (README, Tests).
    const bouncer = await new PgBouncer(new URL(SERVER_URL)).start(10);
    process.env.CC_TEST_PGBOUNCER_PORT = String(bouncer.port);
    (globalThis as { ccTestPgBouncer?: PgBouncer }).ccTestPgBouncer = bouncer;
  }
  if (process.env.TEST_REDIS_CLUSTER === '1') {
    // The servers of the whole suite use one Redis Cluster of three masters and three replicas (README, Tests).
    const cluster = await new RedisCluster().start();
    process.env.CC_TEST_REDIS_CLUSTER_NODES = cluster.seeds;
    (globalThis as { ccTestRedisCluster?: RedisCluster }).ccTestRedisCluster = cluster;
  }
}
