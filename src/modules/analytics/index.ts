// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { ReplicaReads } from '../../platform/db';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService, type AnalyticsLimits } from './analytics.service';

/** The analytics module's GraphQL resolvers (instances are made by createAnalyticsModule). */
export const analyticsResolvers = [AnalyticsResolver] as const;
export { AnalyticsService };

/** Reads the SOS tables (written by the sos module) for staff, from the replica when it is up to date; writes nothing. */
export function createAnalyticsModule(reads: ReplicaReads, areaResolution: number, limits: AnalyticsLimits) {
  const service = new AnalyticsService(new AnalyticsRepository(reads), areaResolution, limits);
  return { service, resolvers: [new AnalyticsResolver(service)] };
}
