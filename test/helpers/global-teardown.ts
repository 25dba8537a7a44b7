import { runPrefix, withAdmin } from './databases';
import type { PgBouncer } from './pgbouncer';
import type { RedisCluster } from './redis-cluster';

/** After a `jest` run: its template (and any database a crashed test file left) goes. */
export default async function globalTeardown(): Promise<void> {
  (globalThis as { ccTestPgBouncer?: PgBouncer }).ccTestPgBouncer?.stop();
  await (globalThis as { ccTestRedisCluster?: RedisCluster }).ccTestRedisCluster?.stop();
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [runPrefix()]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}
