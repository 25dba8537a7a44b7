// Used by scripts/setup.sh: reports, as key=value lines, whether PostgreSQL, PostGIS and Redis
// answer at DATABASE_URL / REDIS_URL (defaults as in src/config), and whether those are on this
// machine (so setup may install and start them). Fails only on an invalid configuration.
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '../src/config';

async function probePostgres(url: string): Promise<Record<string, string>> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    const postgis = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'");
    return { postgres: 'up', pg_major: String(Math.floor(Number(version.rows[0].server_version_num) / 10000)), postgis: postgis.rowCount ? 'yes' : 'no' };
  } catch (err) {
    return { postgres: 'down', postgres_error: (err as Error).message.replace(/\s+/g, ' ') };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(url: string): Promise<Record<string, string>> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return { redis: 'up' };
  } catch (err) {
    return { redis: 'down', redis_error: (err as Error).message.replace(/\s+/g, ' ') };
  } finally {
    client.disconnect();
  }
}

const isLocal = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

async function main() {
  const { DATABASE_URL, REDIS_URL } = loadConfig();
  const results = {
    ...(await probePostgres(DATABASE_URL)),
    ...(await probeRedis(REDIS_URL)),
    database_local: isLocal(DATABASE_URL) ? 'yes' : 'no',
    redis_local: isLocal(REDIS_URL) ? 'yes' : 'no',
  };
  for (const [key, value] of Object.entries(results)) console.log(`${key}=${value}`);
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
