import { Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config } from '../../src/config';
import { createModules, type Infrastructure, type Modules } from '../../src/app/modules';
import { createDatabase } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { PubSub } from '../../src/platform/pubsub';
import { closeRedis, createRedis } from '../../src/platform/redis';

export interface ScriptContext {
  modules: Modules;
  config: Config;
  infra: Infrastructure;
}

/**
 * Runs an operator script against the same services the API uses, then closes them. Redis is
 * connected only if the script asks (`infra.redis.connect()`), so account scripts work while
 * Redis is down.
 */
export async function withModules(name: string, fn: (script: ScriptContext) => Promise<void>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(78);
  }
  const logger = createLogger('warn');
  const { db, sql, close: closeDatabase } = createDatabase({ url: config.DATABASE_URL, poolSize: 2 }, logger);
  const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger, { lazyConnect: true });
  const pubsub = new PubSub(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger);
  const infra: Infrastructure = { config, db, sql, redis, logger, registry: new Registry(), pubsub };
  const modules = createModules(infra);
  try {
    await fn({ modules, config, infra });
  } catch (err) {
    console.error(`${name} failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await modules.close();
    await Promise.allSettled([closeRedis(redis), pubsub.close(), closeDatabase()]);
  }
}
