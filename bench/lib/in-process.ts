import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config';
import { createModules, type Modules } from '../../src/app/modules';
import { createDatabase } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { PubSub } from '../../src/platform/pubsub';
import { closeRedis, createRedis, waitUntilReady } from '../../src/platform/redis';

/** The API's modules in this process (no HTTP), for measuring a service on its own. */
export async function inProcessModules(env: NodeJS.ProcessEnv): Promise<{ modules: Modules; close(): Promise<void> }> {
  const config = loadConfig(env);
  const logger = createLogger('error');
  const database = createDatabase({ url: config.DATABASE_URL, poolSize: 4 }, logger);
  const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger);
  await waitUntilReady(redis, 2000);
  const pubsub = new PubSub(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger);
  const modules = createModules({ config, db: database.db, sql: database.sql, redis, logger, registry: new Registry(), pubsub });
  return {
    modules,
    async close() {
      await modules.close();
      await Promise.allSettled([closeRedis(redis), pubsub.close(), database.close()]);
    },
  };
}
