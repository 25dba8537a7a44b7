export { createRedis, waitUntilReady, closeRedis, execPipeline, type Redis } from './redis';
