import { Cluster } from 'ioredis';
import { connectRedis, type RedisTarget } from '../../src/platform/redis';

/**
 * Removes every key matching `pattern` (`<prefix>*`: a test's or benchmark's keys), on each
 * master of a cluster. A URL alone means one Redis.
 */
export async function deleteRedisKeys(target: RedisTarget | string, pattern: string): Promise<void> {
  const redis = connectRedis(typeof target === 'string' ? { url: target, clusterNodes: [] } : target);
  redis.on('error', () => undefined);
  try {
    for (const node of redis instanceof Cluster ? await mastersOf(redis) : [redis]) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        // One by one: keys of one node may still lie in different slots.
        await Promise.all(keys.map((key) => node.del(key)));
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

async function mastersOf(cluster: Cluster) {
  await new Promise<void>((resolve, reject) => (cluster.status === 'ready' ? resolve() : cluster.once('ready', resolve).once('error', reject)));
  return cluster.nodes('master');
}
