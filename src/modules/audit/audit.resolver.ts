import { Arg, Authorized, Int, Query, Resolver } from 'type-graphql';
import { Role } from '../../platform/auth';
import type { AuditService } from './audit.service';
import { AuditEventConnection } from './types/audit-event.type';
import { AuditLogFilter } from './types/audit-log-filter.input';

@Resolver()
export class AuditResolver {
  constructor(private readonly service: AuditService) {}

  @Authorized(Role.ADMIN)
  @Query(() => AuditEventConnection, { description: 'ADMIN only: the audit log, newest first.' })
  auditLog(
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter?: AuditLogFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return this.service.page(filter ?? {}, first, after);
  }
}
