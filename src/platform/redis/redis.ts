import type { RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import { connectRedis, type Redis, type RedisTarget } from './connect';

/**
 * A command client. Commands fail at once while Redis is unreachable (no offline queue): callers
 * fall back or answer UNAVAILABLE instead of piling up requests that wait for a reconnect.
 */
export function createRedis(target: RedisTarget, keyPrefix: string, logger: Logger, options: RedisOptions = {}): Redis {
  const client = connectRedis(target, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A Redis that stalls without closing the connection must not hold requests for minutes.
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in the same tick share one socket write: under load (thousands of location
    // updates a second) that saves a system call per command.
    enableAutoPipelining: true,
    ...options,
  });
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    // ioredis repeats the error on every reconnect attempt; one line per 10 s is enough.
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'redis error');
    }
  });
  return client;
}

/** Resolves when the client is ready or after `timeoutMs`, whichever comes first. */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}

/** Closes a client whether or not it ever connected. */
export async function closeRedis(client: Redis): Promise<void> {
  // A cluster closed while it connects still starts its slot refresh once connected, which then
  // keeps the process alive: it finishes connecting first.
  if (client.status === 'connecting' || client.status === 'connect') await waitUntilReady(client, 2000);
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}

/** Runs a pipeline and throws the first command error (ioredis only reports them per command). */
export async function execPipeline(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}
