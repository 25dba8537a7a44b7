export { createRedis, waitUntilReady, closeRedis, execPipeline } from './redis';
export { connectRedis, isCluster, redisTarget, type Redis, type RedisTarget } from './connect';
