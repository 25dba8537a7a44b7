import IORedis, { Cluster, type ClusterNode, type RedisOptions } from 'ioredis';

/**
 * A Redis client: one server, or a Redis Cluster. Both answer the same commands; in a cluster the
 * keys one command, script or pipeline touches must share a hash slot, which is why keys used
 * together carry one hash tag (`{vol}:geo`, `{vol}:seen`).
 */
export type Redis = IORedis | Cluster;

/** Where Redis is: one server at `url`, or, when `clusterNodes` names seeds, a cluster whose nodes take `url`'s credentials and TLS. */
export interface RedisTarget {
  url: string;
  clusterNodes: readonly string[];
}

/** The target the REDIS_URL and REDIS_CLUSTER_NODES settings name. */
export function redisTarget(config: { REDIS_URL: string; REDIS_CLUSTER_NODES: readonly string[] }): RedisTarget {
  return { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
}

export function isCluster(target: RedisTarget): boolean {
  return target.clusterNodes.length > 0;
}

/**
 * Connects to the target with `options`, which in a cluster apply to each node's connection,
 * except those that concern the client as a whole (key prefix, offline queue, pipelining, lazy
 * connect, reconnecting). `shardedSubscribers` makes SSUBSCRIBE reach the node of each channel.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}, cluster: { shardedSubscribers?: boolean } = {}): Redis {
  if (!isCluster(target)) return new IORedis(target.url, options);
  const { keyPrefix, enableOfflineQueue, enableAutoPipelining, lazyConnect, retryStrategy, ...perNode } = options;
  const url = new URL(target.url);
  if (!['', '/', '/0'].includes(url.pathname)) throw new Error(`REDIS_URL names database ${url.pathname.slice(1)}: a Redis Cluster has database 0 only`);
  const client = new Cluster(target.clusterNodes.map(clusterNode), {
    keyPrefix,
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect,
    clusterRetryStrategy: retryStrategy ?? ((attempt) => Math.min(attempt * 200, 2000)),
    // A failover or resharding is learnt within this even when no command ran into it.
    slotsRefreshInterval: 5000,
    shardedSubscribers: cluster.shardedSubscribers,
    // With TLS, the certificates name the nodes' host names, which must then stay unresolved.
    ...(url.protocol === 'rediss:' ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
    redisOptions: { ...credentials(url), ...perNode },
  });
  // ioredis opens a node's connection on its first command, and without an offline queue refuses
  // the commands that come while it is opening (after every start and failover): opened at once,
  // a node that is up takes them.
  client.on('+node', (node: IORedis) => {
    if (node.status === 'wait') node.connect().catch(() => undefined);
  });
  return client;
}

function clusterNode(hostPort: string): ClusterNode {
  const at = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) };
}

/** The user, password and TLS of a redis:// or rediss:// URL, which every cluster node shares. */
function credentials(parsed: URL): RedisOptions {
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
