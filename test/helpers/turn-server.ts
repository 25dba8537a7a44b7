import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from './redis-process';
import { childListening } from './wait';

/**
 * coturn, started by the test with `use-auth-secret` on loopback (no TLS): it accepts exactly
 * the TURN REST credentials derived from `secret`. `allocate` runs coturn's own client to get a
 * relay and send data through it.
 */
export class TurnServer {
  readonly secret = randomBytes(16).toString('hex');
  port = 0;
  private child?: ChildProcess;

  async start(): Promise<this> {
    if (spawnSync('which', ['turnserver']).status !== 0) {
      throw new Error('coturn is not installed: `npm test` installs it through scripts/setup.sh on Debian/Ubuntu (apt-get install coturn), or install it by hand');
    }
    this.port = await freePort();
    this.child = spawn(
      'turnserver',
      ['-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${this.port}`, '--use-auth-secret', `--static-auth-secret=${this.secret}`, '--realm=careconnect.test',
        '--no-tls', '--no-dtls', '--allow-loopback-peers', '--no-cli', '--log-file=stdout', '--simple-log', '--min-port=49152', '--max-port=65535'],
      { stdio: 'ignore' },
    );
    await childListening(this.child, this.port, 'turnserver');
    return this;
  }

  /** Allocates a relay with these credentials and sends a few messages through it; true if that worked. */
  allocate(username: string, credential: string): boolean {
    const run = spawnSync('turnutils_uclient', ['-u', username, '-w', credential, '-p', String(this.port), '-n', '1', '-m', '1', '-l', '64', '-y', '-e', '127.0.0.1', '127.0.0.1'], { timeout: 20_000 });
    return run.status === 0;
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}
