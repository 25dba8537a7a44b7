import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { applyMigrations, ensureDatabase } from '../../src/platform/db';
import { databaseUrl, withAdmin } from '../../test/helpers/databases';
import { deleteRedisKeys } from '../../test/helpers/redis-keys';

export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-0123456789';

/** BENCH_API_NODE_ARGS: Node options for the API under measurement, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
export const apiNodeArgs = (): string[] => process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

export interface BenchEnvironment {
  databaseUrl: string;
  /** The environment of an API instance under benchmark (production mode, quiet logs). */
  env(overrides?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A freshly migrated database and a Redis key prefix of its own, removed by close(). */
export async function benchEnvironment(name: string): Promise<BenchEnvironment> {
  const database = `careconnect_bench_${name.replace(/[^a-z0-9]/gi, '_')}`;
  const url = databaseUrl(database);
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  await ensureDatabase(url);
  await applyMigrations(url, join(__dirname, '..', '..', 'prisma', 'migrations'));
  const prefix = `cc-bench:${randomBytes(4).toString('hex')}:`;
  const redisUrl = loadConfig({ REDIS_URL: process.env.REDIS_URL }).REDIS_URL;

  return {
    databaseUrl: url,
    env: (overrides = {}) => ({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: BENCH_JWT_SECRET,
      PASSWORD_HASH_COST: '10',
      REGISTRATIONS_PER_IP_PER_HOUR: '100000',
      ...overrides,
    }),
    async close() {
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
      await deleteRedisKeys(redisUrl, `${prefix}*`);
    },
  };
}
