import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/config';
import { startServer, type RunningServer } from '../../src/app/create-app';
import { CareConnectClient, type ReconnectOptions, type Session } from '../../sdk/index';
import { createTestDatabase } from './databases';
import { setPooledSessionSettings, throughPooler } from './pgbouncer';
import { deleteRedisKeys } from './redis-keys';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';
const REDIS_URL = loadConfig({ REDIS_URL: process.env.REDIS_URL }).REDIS_URL;

export interface ClientFactory {
  /** An SDK client against this server, optionally signed in. */
  client(session?: Session | null, headers?: Record<string, string>): CareConnectClient;
}

/** SDK clients for the API at `url` (HTTP; WebSocket on the same path). */
export function clientFactory(url: string, reconnect?: ReconnectOptions): ClientFactory {
  const wsUrl = url.replace(/^http/, 'ws');
  return { client: (session = null, headers) => new CareConnectClient({ url, wsUrl, session, webSocketImpl: WebSocket, headers, reconnect }) };
}

export interface TestServer extends RunningServer, ClientFactory {
  config: Config;
  wsUrl: string;
}


export interface TestEnvironment {
  databaseUrl: string;
  redisPrefix: string;
  /** Starts an API instance on a free port, on this file's database and Redis prefix. */
  start(env?: NodeJS.ProcessEnv): Promise<TestServer>;
  /** The environment a server would get, for tests that build config or spawn processes. */
  env(overrides?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

/**
 * Per test file: its own database (copied from the migrated template) and its own Redis key
 * prefix, so files run in parallel without seeing each other. Servers started through it are
 * stopped, and the database and keys removed, after the file.
 */
export function useTestEnvironment(): TestEnvironment {
  const servers: RunningServer[] = [];
  const redisPrefix = `cc-test:${randomBytes(4).toString('hex')}:`;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

  // TEST_VIA_PGBOUNCER=1: global-setup started a PgBouncer, and every server here goes through it.
  const pooler = Number(process.env.CC_TEST_PGBOUNCER_PORT ?? 0);
  // TEST_REDIS_CLUSTER=1: global-setup started a Redis Cluster, and every server here uses it.
  const redisCluster = process.env.CC_TEST_REDIS_CLUSTER_NODES;

  beforeAll(async () => {
    database = await createTestDatabase();
    if (pooler) await setPooledSessionSettings(database.url);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
    await deleteRedisKeys({ url: REDIS_URL, clusterNodes: redisCluster?.split(',') ?? [] }, `${redisPrefix}*`);
  });

  const env = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: database && pooler ? throughPooler(database.url, pooler) : database?.url,
    DATABASE_POOL_SIZE: '5',
    ...(pooler ? { DATABASE_VIA_POOLER: 'true', DATABASE_PREPARED_STATEMENTS: 'false' } : {}),
    REDIS_URL,
    // A test that brings a Redis of its own (to stop it) keeps it.
    ...(redisCluster && !overrides.REDIS_URL ? { REDIS_CLUSTER_NODES: redisCluster } : {}),
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The cheapest allowed cost: tests hash hundreds of passwords.
    PASSWORD_HASH_COST: '10',
    REGISTRATIONS_PER_IP_PER_HOUR: '10000',
    LOGIN_FAILURES_PER_IP: '10000',
    ...overrides,
  });

  return {
    get databaseUrl() {
      if (!database) throw new Error('the test database exists only inside tests (after beforeAll)');
      return database.url;
    },
    redisPrefix,
    env,
    async start(overrides = {}) {
      const config = loadConfig(env(overrides));
      const server = await startServer(config);
      servers.push(server);
      return { ...server, ...clientFactory(server.url), config, wsUrl: server.url.replace(/^http/, 'ws') };
    },
  };
}
