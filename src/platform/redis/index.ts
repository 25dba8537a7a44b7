export { createRedis, waitUntilReady, closeRedis, type Redis } from './redis';
