import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryRows } from './databases';
import { freePort } from './redis-process';
import { childListening } from './wait';

/** Debian installs it in /usr/sbin, which is not on every user's PATH. */
const PGBOUNCER = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer';

/**
 * PgBouncer (Debian's), started by the test in transaction pooling mode in front of the local
 * PostgreSQL: `poolSize` server connections per database, shared by every client. `url` turns a
 * database URL into the same database through the pooler.
 */
export class PgBouncer {
  port = 0;
  private child?: ChildProcess;
  private dir?: string;

  constructor(private readonly target: URL) {}

  async start(poolSize: number): Promise<this> {
    if (spawnSync('which', [PGBOUNCER]).status !== 0) {
      throw new Error('PgBouncer is not installed: `npm test` installs it through scripts/setup.sh on Debian/Ubuntu (apt-get install pgbouncer), or install it by hand');
    }
    this.port = await freePort();
    // PgBouncer will not run as root: it drops to `nobody`, who must read its files and write its log.
    this.dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
    chmodSync(this.dir, 0o777);
    const user = decodeURIComponent(this.target.username || 'postgres');
    writeFileSync(join(this.dir, 'users.txt'), `"${user}" ""\n`);
    writeFileSync(
      join(this.dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=${this.target.hostname} port=${this.target.port || 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${this.port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(this.dir, 'users.txt')}`,
        'pool_mode = transaction',
        // Its console (database `pgbouncer`) answers SHOW POOLS to the test.
        `admin_users = ${user}`,
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 500',
        `logfile = ${join(this.dir, 'pgbouncer.log')}`,
      ].join('\n'),
    );
    const args = [join(this.dir, 'pgbouncer.ini'), ...(process.getuid?.() === 0 ? ['-u', 'nobody'] : [])];
    this.child = spawn(PGBOUNCER, args, { stdio: 'ignore' });
    // Not started: its directory goes now, as stop() would remove it.
    await childListening(this.child, this.port, 'pgbouncer').catch((err: unknown) => {
      this.stop();
      throw err;
    });
    return this;
  }

  /** The same database, reached through the pooler. */
  url(databaseUrl: string): string {
    return throughPooler(databaseUrl, this.port);
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `databaseUrl`'s database through the PgBouncer listening on `port`. */
export function throughPooler(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/**
 * What the API sets on its own connections when it reaches PostgreSQL directly, set on the
 * database instead, as behind a pooler it must be (README, Deploying).
 */
export async function setPooledSessionSettings(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  for (const setting of ["statement_timeout = '5s'", "idle_in_transaction_session_timeout = '10s'", 'jit = off']) await queryRows(databaseUrl, `ALTER DATABASE "${name}" SET ${setting}`);
}
