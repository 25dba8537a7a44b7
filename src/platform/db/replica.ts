import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';
import { withTimeout } from '../async';
import type { Logger } from '../logger';

/** How often a lagging replica is asked again, within `maxWaitMs`. */
const POLL_MS = 10;

/**
 * Heavy reads (statistics, history pages) go to a streaming replica when there is one, never to a replica that
 * is behind: before each read the primary's WAL position is taken, and the replica is used only
 * once it has replayed that far, so the read sees every write committed before it began (the
 * reader's own included). A replica still behind after `maxWaitMs`, or not answering, leaves
 * the read to the primary. Without a replica every read is the primary's.
 */
export class ReplicaReads {
  private readonly served: Counter<'by'>;

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

  /** The pool to run a read on: the replica once it has every write committed so far, else the primary. */
  async upToDate(): Promise<Pool> {
    if (!this.replica) return this.choose('primary');
    try {
      const { rows } = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn');
      for (const deadline = Date.now() + this.maxWaitMs; ; await new Promise((r) => setTimeout(r, POLL_MS))) {
        // A replica that hangs (a partition) must not hold the read longer than a lagging one would.
        const asked = this.replica.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [rows[0].lsn]);
        const replayed = await withTimeout(asked, Math.max(POLL_MS, deadline - Date.now()), 'asking the read replica');
        if (replayed.rows[0]?.ok) return this.choose('replica');
        if (Date.now() >= deadline) return this.choose('primary');
      }
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'read replica not answering; reading the primary');
      return this.choose('primary');
    }
  }

  async close(): Promise<void> {
    await this.replica?.end().catch(() => undefined);
  }

  private choose(by: 'replica' | 'primary'): Pool {
    this.served.inc({ by });
    return by === 'replica' ? this.replica! : this.primary;
  }
}
