import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-process';
import { childListening } from './wait';

/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';

/**
 * HAProxy (Debian's) in front of API instances, with `deploy/haproxy.cfg`: WebSocket upgrades
 * passed through, instances checked on `/readyz` every 500 ms, a connection that found its
 * instance dead sent to another.
 */
export class HaProxy {
  port = 0;
  private child?: ChildProcess;
  private dir?: string;

  async start(backends: string[]): Promise<this> {
    this.port = await freePort();
    this.dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
    const config = join(this.dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(this.port, backends.map((url) => new URL(url))));
    this.child = spawn(HAPROXY, ['-f', config, '-db'], { stdio: 'ignore' });
    // Not started: its directory goes now, as stop() would remove it.
    await childListening(this.child, this.port, 'haproxy').catch((err: unknown) => {
      this.stop();
      throw err;
    });
    return this;
  }

  /** The API's GraphQL URL through the balancer. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `deploy/haproxy.cfg` as deployed, listening on `port` in front of `backends` instead. */
function haproxyConfig(port: number, backends: URL[]): string {
  const deployed = readFileSync(join(__dirname, '..', '..', 'deploy', 'haproxy.cfg'), 'utf8');
  // Each server keeps the deployed servers' options (checks), at the test's address.
  const options = /^ {2}server \S+ \S+ (.*)$/m.exec(deployed)![1];
  const servers = backends.map((url, i) => `  server api${i + 1} ${url.hostname}:${url.port} ${options}`);
  return `${deployed
    .replace(/^ {2}bind .*$/m, `  bind 127.0.0.1:${port}`)
    .split('\n')
    .filter((line) => !line.startsWith('  server '))
    .join('\n')
    .trimEnd()}\n${servers.join('\n')}\n`;
}
