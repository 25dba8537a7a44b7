import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';
import { withTimeout } from '../async';
import type { Logger } from '../logger';

/** How often a lagging replica is asked again, within `maxWaitMs`. */
const POLL_MS = 10;
/** A replica cancels a query whose rows the WAL it replays removes (a recovery conflict). */
const RECOVERY_CONFLICT = '40001';
/**
 * The replica went away (or could not be reached) under a read: the read did not finish there,
 * and the primary can answer it. A statement timeout is not one of these (the primary would be
 * as slow), nor a pool with no connection free (the replica is busy, not gone).
 */
const CONNECTION_LOST = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03']);

function connectionLost(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && CONNECTION_LOST.has(code)) || (typeof message === 'string' && message.startsWith('Connection terminated'));
}

/**
 * Heavy reads (statistics, history pages) go to a streaming replica when there is one, never to
 * a replica that is behind: before each read the primary's WAL position is taken, and the replica
 * is used only once it has replayed that far, so the read sees every write committed before it
 * began (the reader's own included). A replica still behind after `maxWaitMs`, or not answering,
 * leaves the read to the primary. Without a replica every read is the primary's. One replica
 * server, not a load-balanced reader endpoint: the check and the read must reach the same one.
 */
export class ReplicaReads {
  private readonly served: Counter<'by'>;
  /** Whether DATABASE_REPLICA_URL is a replica at all, found out at the first read. */
  private isReplica?: Promise<boolean>;
  /** Logged when the replica starts and stops failing, not at every read. */
  private failing = false;

  constructor(
    private readonly primary: Pool,
    private readonly replica: Pool | null,
    private readonly maxWaitMs: number,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.served = new Counter({
      name: 'db_replica_reads_total',
      help: 'Reads meant for the replica, by who served them: the replica, or the primary (replica behind, unreachable or not configured).',
      labelNames: ['by'],
      registers: [registry],
    });
  }

  /**
   * Runs a read on the replica once it has every write committed so far, else on the primary. A
   * read the replica fails after all (it went away since it answered, or cancelled the query to
   * go on replaying: a recovery conflict) runs again on the primary.
   */
  async read<T>(run: (db: Pool) => Promise<T>): Promise<T> {
    if ((await this.upToDate()) === 'primary') return this.on('primary', run);
    try {
      return await this.on('replica', run);
    } catch (err) {
      const lost = connectionLost(err);
      if (!lost && (err as { code?: unknown }).code !== RECOVERY_CONFLICT) throw err;
      if (lost) this.failed(err);
      return this.on('primary', run);
    }
  }

  /** Runs the read on one of them, counted as served by it once it has been. */
  private async on<T>(by: 'replica' | 'primary', run: (db: Pool) => Promise<T>): Promise<T> {
    const result = await run(by === 'replica' ? this.replica! : this.primary);
    this.served.inc({ by });
    return result;
  }

  /** Where a read may run now: the replica once it has every write committed so far, else the primary. */
  private async upToDate(): Promise<'replica' | 'primary'> {
    const replica = this.replica;
    // Not a replica, or not reachable to tell: the primary, without asking it where its WAL ends.
    if (!replica || !(await this.confirmedReplica(replica))) return 'primary';
    // Where the primary's WAL ends now: past every commit it has made visible, flushed or not (synchronous_commit=off).
    const { rows } = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    try {
      for (const deadline = Date.now() + this.maxWaitMs; ; await new Promise((r) => setTimeout(r, POLL_MS))) {
        // A replica that hangs (a partition) must not hold the read longer than a lagging one would.
        const asked = replica.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [rows[0].lsn]);
        const replayed = await withTimeout(asked, Math.max(POLL_MS, deadline - Date.now()), 'asking the read replica');
        if (replayed.rows[0]?.ok) {
          if (this.failing) this.logger.info('read replica answers again');
          this.failing = false;
          return 'replica';
        }
        if (Date.now() >= deadline) return 'primary';
      }
    } catch (err) {
      this.failed(err);
      return 'primary';
    }
  }

  /**
   * Whether DATABASE_REPLICA_URL is a replica, asked once it answers: a URL that names a primary
   * would never catch up, so every read would wait, then go to the primary.
   */
  private async confirmedReplica(replica: Pool): Promise<boolean> {
    this.isReplica ??= replica.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering').then(({ rows }) => {
      if (!rows[0].recovering) this.logger.error('DATABASE_REPLICA_URL is not a replica (it replays no WAL): every read goes to the primary');
      return rows[0].recovering;
    });
    try {
      return await this.isReplica;
    } catch (err) {
      // Not reachable now: asked again at the next read.
      this.isReplica = undefined;
      this.failed(err);
      return false;
    }
  }

  private failed(err: unknown): void {
    if (!this.failing) this.logger.warn({ err: { message: (err as Error).message } }, 'read replica not answering; reading the primary until it does');
    this.failing = true;
  }

  async close(): Promise<void> {
    await this.replica?.end().catch(() => undefined);
  }
}
