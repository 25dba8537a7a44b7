import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { FixedWindowLimiter } from '../../src/platform/rate-limit';
import { closeRedis, createRedis, waitUntilReady, type Redis } from '../../src/platform/redis';
import { deleteRedisKeys } from '../helpers/redis-keys';

const logger = createLogger('silent');
const prefix = `cc-test:${randomBytes(4).toString('hex')}:`;
const REDIS_URL = loadConfig({ REDIS_URL: process.env.REDIS_URL }).REDIS_URL;
let redis: Redis;

beforeAll(async () => {
  redis = createRedis({ url: REDIS_URL, clusterNodes: [] }, prefix, logger);
  await waitUntilReady(redis, 2000);
});

afterAll(async () => {
  await closeRedis(redis);
  await deleteRedisKeys(REDIS_URL, `${prefix}*`);
});

describe('FixedWindowLimiter (real Redis)', () => {
  it('counts hits per subject within a window that expires', async () => {
    const limiter = new FixedWindowLimiter(redis, logger, 'unit', 2, 1);
    expect(await limiter.hit('a')).toMatchObject({ count: 1, retryAfterSeconds: 1 });
    expect(limiter.isExceeded(await limiter.hit('a'))).toBe(false);
    const third = await limiter.hit('a');
    expect(limiter.isExceeded(third)).toBe(true);
    expect((await limiter.peek('b')).count).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await limiter.peek('a')).count).toBe(0);
  });

  it('peek does not count, reset clears', async () => {
    const limiter = new FixedWindowLimiter(redis, logger, 'unit', 1, 60);
    await limiter.hit('c');
    expect(limiter.isExhausted(await limiter.peek('c'))).toBe(true);
    expect((await limiter.peek('c')).count).toBe(1);
    await limiter.reset('c');
    expect((await limiter.peek('c')).count).toBe(0);
  });

  it('lets calls through while Redis is unreachable', async () => {
    const down = createRedis({ url: 'redis://127.0.0.1:9', clusterNodes: [] }, prefix, logger);
    const limiter = new FixedWindowLimiter(down, logger, 'unit', 1, 60);
    for (let i = 0; i < 3; i++) expect(limiter.isExceeded(await limiter.hit('d'))).toBe(false);
    expect(await limiter.peek('d')).toEqual({ count: 0, retryAfterSeconds: 0 });
    await closeRedis(down);
  });
});
