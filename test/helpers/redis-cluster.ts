import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './redis-process';

interface ClusterNode {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * A Redis Cluster of the test's own, from the machine's `redis-server` and `redis-cli`: three
 * masters with a replica each, failing over within about two seconds of a master's death.
 */
export class RedisCluster {
  private nodes: ClusterNode[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'cc-redis-cluster-'));

  /** Seeds for REDIS_CLUSTER_NODES. */
  get seeds(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  async start(): Promise<this> {
    for (let i = 0; i < 6; i++) {
      // The cluster bus port is named: the default (port + 10000) may lie past 65535.
      const [port, busPort] = [await freePort(), await freePort()];
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0', '--logfile', join(this.dir, `redis-${port}.log`)],
        ],
        { stdio: 'ignore' },
      );
      this.nodes.push({ port, child, exited: new Promise((resolve) => child.once('exit', () => resolve())) });
    }
    await Promise.all(this.nodes.map((node) => this.untilAnswering(node.port)));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...this.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await this.untilHealthy();
    return this;
  }

  /** The port of the master that now serves `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    return this.ask(this.alive()[0].port, async (redis) => {
      const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return range[2][1];
    });
  }

  /** The masters' ports. */
  async masters(): Promise<number[]> {
    const ranges = await this.ask(this.alive()[0].port, (redis) => redis.call('CLUSTER', 'SLOTS') as Promise<[number, number, [string, number]][]>);
    return [...new Set(ranges.map((range) => range[2][1]))];
  }

  /** Runs `command` on one node (by port). */
  async on(port: number, ...command: string[]): Promise<unknown> {
    return this.ask(port, (redis) => redis.call(command[0], ...command.slice(1)));
  }

  /** SIGKILL to one node: its replica takes over its slots once the others notice. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    node.child.kill('SIGKILL');
    await node.exited;
  }

  /** Until every slot is served again (after a failover), as the living nodes see it. */
  async untilHealthy(timeoutMs = 20_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; ; ) {
      const states = await Promise.all(this.alive().map((node) => this.ask(node.port, (redis) => redis.call('CLUSTER', 'INFO') as Promise<string>).catch(() => '')));
      if (states.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info))) return;
      if (Date.now() > deadline) throw new Error(`the cluster is not healthy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    for (const node of this.alive()) node.child.kill('SIGKILL');
    await Promise.all(this.nodes.map((node) => node.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private alive(): ClusterNode[] {
    return this.nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  }

  private async untilAnswering(port: number): Promise<void> {
    for (const deadline = Date.now() + 5000; ; ) {
      try {
        await this.ask(port, (redis) => redis.ping());
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async ask<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }
}
