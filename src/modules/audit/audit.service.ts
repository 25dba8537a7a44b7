import type { Context } from '../../platform/auth';
import type { Tx } from '../../platform/db';
import { badInput } from '../../platform/errors';
import { pageOf } from '../../platform/graphql/cursor';
import { assertId } from '../../platform/validation';
import type { AuditFilter, AuditRepository, NewAuditEntry } from './audit.repository';

/**
 * The audit log. Entries are written by listeners of other modules' events, inside the
 * transaction of the action they record (src/app/modules.ts), so an action and its entry commit
 * or roll back together. Only admins read it (the resolver says so).
 */
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  record(tx: Tx, entry: NewAuditEntry): Promise<void> {
    return this.repository.insert(tx, entry);
  }

  page(_ctx: Context, filter: AuditFilter, first: number | null | undefined, after: string | null | undefined) {
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
