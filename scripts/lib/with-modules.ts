import { ConfigError, loadConfig, type Config } from '../../src/config';
import { createInfrastructure, type Infrastructure } from '../../src/app/infrastructure';
import { createModules, type Modules } from '../../src/app/modules';
import { createLogger } from '../../src/platform/logger';

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
  const infra = await createInfrastructure(config, { logger: createLogger('warn'), poolSize: 2 });
  const modules = createModules(infra);
  try {
    await fn({ modules, config, infra });
  } catch (err) {
    console.error(`${name} failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await modules.close();
    await infra.close();
    // Done: exit, as the server does, rather than wait for every timer a client library keeps
    // after it was closed (ioredis's cluster slot refresh, when closed while still connecting).
    process.exit();
  }
}
