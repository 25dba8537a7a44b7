import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Role, assertUnscoped, type Context } from '../../platform/auth';
import type { AuditService } from './audit.service';
import { AuditEventConnection } from './types/audit-event.type';
import { AuditLogFilter } from './types/audit-log-filter.input';

@Resolver()
export class AuditResolver {
  constructor(private readonly service: AuditService) {}

  @Authorized(Role.ADMIN)
  @Query(() => AuditEventConnection, { description: 'ADMIN of every city only (a scoped admin: FORBIDDEN): the audit log, newest first.' })
  async auditLog(
    @Ctx() ctx: Context,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter?: AuditLogFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    assertUnscoped(await ctx.viewer());
    return this.service.page(filter ?? {}, first, after);
  }
}
