import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-process';
import { eventually, untilListening } from './wait';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries on this machine (Debian keeps them per major version). */
function binaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (majors.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (Debian/Ubuntu: `npm test` installs postgresql through scripts/setup.sh)');
  return join(root, majors.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/**
 * A PostgreSQL primary and a streaming replica of it, made by the test in a directory of its own
 * (initdb, then pg_basebackup -R from the running primary), on free loopback ports. PostgreSQL
 * will not run as root: when the test is root, both run as the `postgres` user.
 */
export class ReplicatedPostgres {
  primaryPort = 0;
  replicaPort = 0;
  private readonly children: ChildProcess[] = [];
  private dir = '';
  private readonly bin = binaries();
  private readonly owner = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'pg-replicated-'));
    const [primary, replica] = [join(this.dir, 'primary'), join(this.dir, 'replica')];
    for (const path of [this.dir, primary, replica]) {
      mkdirSync(path, { recursive: true, mode: 0o700 });
      if (this.owner.uid !== undefined) chownSync(path, this.owner.uid, this.owner.gid!);
    }
    [this.primaryPort, this.replicaPort] = [await freePort(), await freePort()];
    // trust on loopback, replication included: these clusters live for one test file.
    await run(join(this.bin, 'initdb'), ['-D', primary, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], this.owner);
    await this.serve(primary, this.primaryPort);
    await run(join(this.bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(this.primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '--no-sync'], this.owner);
    await this.serve(replica, this.replicaPort);
    return this;
  }

  /** A URL of `database` on the primary or on the replica. */
  url(on: 'primary' | 'replica', database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${on === 'primary' ? this.primaryPort : this.replicaPort}/${database}`;
  }

  /** Fast shutdown (SIGINT: backends and shared memory go with the postmaster), then the directory. */
  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve).kill('SIGINT')) : null)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async serve(dataDir: string, port: number): Promise<void> {
    const settings = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: this.dir, fsync: 'off', hot_standby: 'on', max_connections: '60' };
    const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
    this.children.push(spawn(join(this.bin, 'postgres'), args, { ...this.owner, stdio: 'ignore' }));
    await untilListening(port, 'postgres', 15_000);
    // Listening comes before accepting: a replica first reaches a consistent state.
    await eventually(
      () => run(join(this.bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).then(() => true, () => false),
      Boolean,
      15_000,
    );
  }
}
