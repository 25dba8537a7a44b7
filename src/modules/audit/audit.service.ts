import type { Tx } from '../../platform/db';
import { badInput } from '../../platform/errors';
import { pageOf } from '../../platform/graphql/cursor';
import { assertId } from '../../platform/validation';
import type { Logger } from '../../platform/logger';
import type { RetentionCutoffs } from '../../platform/privacy';
import type { AuditFilter, AuditRepository, NewAuditEntry } from './audit.repository';

/** A read of the same subject by the same person is recorded once per this long. */
const READ_EVERY_MS = 10 * 60_000;
const READS_REMEMBERED = 10_000;

/**
 * The audit log. Entries are written by listeners of other modules' events, inside the
 * transaction of the action they record (src/app/modules.ts), so an action and its entry commit
 * or roll back together. Only admins read it (the resolver says so).
 */
export class AuditService {
  /** When each (actor, subject) read was last recorded. */
  private readonly readsAt = new Map<string, number>();

  constructor(
    private readonly repository: AuditRepository,
    private readonly logger: Logger,
  ) {}

  record(tx: Tx, entry: NewAuditEntry): Promise<void> {
    return this.repository.insert(entry, tx);
  }

  /**
   * Records what happened outside any transaction (a read, a lockout). Best effort: the read it
   * records has been answered already, and a lost entry is logged.
   */
  async recordNow(entry: NewAuditEntry): Promise<void> {
    await this.repository.insert(entry).catch((err: unknown) =>
      this.logger.warn({ kind: entry.kind, subjectId: entry.subjectId, err: { message: (err as Error).message } }, 'audit entry not written'),
    );
  }

  /** Records a read at most once per READ_EVERY_MS per actor and subject: a dashboard that refreshes must not flood the log. */
  async recordRead(entry: NewAuditEntry): Promise<void> {
    const key = `${entry.kind}:${entry.actorId}:${entry.subjectId}`;
    const now = Date.now();
    if (now - (this.readsAt.get(key) ?? 0) < READ_EVERY_MS) return;
    if (this.readsAt.size >= READS_REMEMBERED) {
      for (const [k, at] of this.readsAt) if (now - at >= READ_EVERY_MS) this.readsAt.delete(k);
    }
    this.readsAt.set(key, now);
    await this.recordNow(entry);
  }

  /** Retention: the client IP addresses the log holds are kept as long as any other (RETENTION_CLIENT_IP_DAYS). */
  async purge(cutoffs: RetentionCutoffs): Promise<Record<string, number>> {
    return { auditClientIps: await this.repository.redactClientIps(cutoffs.clientIpBefore) };
  }

  page(filter: AuditFilter, first: number | null | undefined, after: string | null | undefined) {
    const checked: AuditFilter = {
      ...filter,
      actorId: filter.actorId ? assertId('filter.actorId', filter.actorId) : null,
      subjectId: filter.subjectId ? assertId('filter.subjectId', filter.subjectId) : null,
    };
    if (checked.from && checked.to && checked.from >= checked.to) throw badInput('filter.to', 'must be after filter.from');
    return pageOf(
      { first, cursorField: 'after', cursor: after, shape: ['timestamp', 'uuid'] },
      (limit, cursor) => this.repository.page(checked, limit, cursor && { at: cursor[0], id: cursor[1] }),
      (row) => [row.at.toISOString(), row.id],
    );
  }
}
