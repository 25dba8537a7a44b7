import { loadConfig } from '../../src/config';
import { createInfrastructure } from '../../src/app/infrastructure';
import { createModules, type Modules } from '../../src/app/modules';
import { createLogger } from '../../src/platform/logger';

/** The API's modules in this process (no HTTP), for measuring a service on its own. */
export async function inProcessModules(env: NodeJS.ProcessEnv): Promise<{ modules: Modules; close(): Promise<void> }> {
  const infra = await createInfrastructure(loadConfig(env), { logger: createLogger('error'), poolSize: 4, redisWaitMs: 2000 });
  const modules = createModules(infra);
  return {
    modules,
    async close() {
      await modules.close();
      await infra.close();
    },
  };
}
