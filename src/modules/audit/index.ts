// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { Sql } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { AuditRepository } from './audit.repository';
import { AuditResolver } from './audit.resolver';
import { AuditService } from './audit.service';

export { AuditKind, AuditSubjectType } from './audit-kinds';
export type { AuditService };
export type { NewAuditEntry } from './audit.repository';

/** The audit module's GraphQL resolvers (instances are made by createAuditModule). */
export const auditResolvers = [AuditResolver] as const;

export function createAuditModule(sql: Sql, logger: Logger) {
  const service = new AuditService(new AuditRepository(sql), logger);
  return { service, resolvers: [new AuditResolver(service)] };
}
